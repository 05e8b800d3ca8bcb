"""The module as the app and the province see it: listed when enabled, gone when disabled."""

from __future__ import annotations


def test_enabled_for_hue_it_shows_in_the_modules_with_its_scopes(citizen_client):
    modules = citizen_client.get("/api/v1/modules").get_json()["modules"]
    taxi = next(m for m in modules if m["id"] == "taxi")
    assert taxi["icon"] == "taxi" and taxi["category"] == "transport"


def test_disabled_its_routes_answer_404(province, admin_client, citizen_client):
    assert citizen_client.get("/m/taxi/").status_code == 200
    assert admin_client.post("/api/v1/admin/plugins/taxi/disable").status_code == 200
    assert citizen_client.get("/m/taxi/").status_code == 404
    assert citizen_client.post("/m/taxi/estimate", json={}).status_code == 404
    listed = citizen_client.get("/api/v1/modules").get_json()["modules"]
    assert "taxi" not in [m["id"] for m in listed]


def test_the_consent_prompt_grants_only_what_the_manifest_declares(
    citizen_client, sieuapp_platform
):
    refused = citizen_client.post(
        "/api/v1/me/consents/taxi", json={"scopes": ["location", "email"]}
    )
    assert refused.status_code == 422
    assert "scopes" in refused.get_json()["errors"]
    granted = citizen_client.post("/api/v1/me/consents/taxi", json={"scopes": ["location"]})
    assert granted.status_code == 200
    assert [s["name"] for s in granted.get_json()["scopes"]] == ["location"]
    assert granted.get_json()["scopes"][0]["purpose"].startswith("Tìm xe")
    missing = citizen_client.post("/api/v1/me/consents/nothing", json={"scopes": ["location"]})
    assert missing.status_code == 404


def test_a_ride_needs_the_location_scope_and_says_why(province, official_client):
    # The official never let the taxi service use their location.
    asked = official_client.post(
        "/m/taxi/rides",
        json={"pickup": {"lat": 16.46, "lon": 107.58}, "dropoff": {"lat": 16.45, "lon": 107.59}},
    )
    assert asked.status_code == 403
    body = asked.get_json()
    assert body["code"] == "consent_required" and body["errors"] == {"scope": ["location"]}
    assert "Tìm xe" in body["message"]
