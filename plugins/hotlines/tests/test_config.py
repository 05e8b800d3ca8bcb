"""The province's configuration: validated field by field, stored only when valid, and the
secret never shown again."""

from __future__ import annotations

import json

import pytest

PLUGIN_URL = "/api/v1/admin/plugins/hotlines"
NUMBERS = "/m/hotlines/api/numbers"


def entry(**overrides):
    base = {
        "name": {"vi": "Tổng đài Hue-S", "en": "Hue-S call centre"},
        "number": "19001075",
        "category": "public-service",
    }
    return {**base, **overrides}


INVALID = [
    pytest.param({"entries": [entry(number="12345")]}, "entries.0.number", id="too-few-digits"),
    pytest.param({"entries": [entry(number="0905 123 45")]}, "entries.0.number", id="short-mobile"),
    pytest.param({"entries": [entry(number="0123456789")]}, "entries.0.number", id="old-prefix"),
    pytest.param({"entries": [entry(number="call us")]}, "entries.0.number", id="letters"),
    pytest.param({"entries": [entry(number=19001075)]}, "entries.0.number", id="not-a-string"),
    pytest.param({"entries": [entry(number="")]}, "entries.0.number", id="empty-number"),
    pytest.param({"entries": [entry(category="police")]}, "entries.0.category", id="category"),
    pytest.param(
        {"entries": [entry(name={"vi": "Tổng đài"})]}, "entries.0.name.en", id="missing-en"
    ),
    pytest.param(
        {"entries": [entry(name={"vi": "  ", "en": "x"})]}, "entries.0.name.vi", id="blank-vi"
    ),
    pytest.param(
        {"entries": [entry(), entry(number="1900.1075")]}, "entries.1.number", id="duplicate"
    ),
    pytest.param({"entries": [entry(number="113")]}, "entries.0.number", id="national"),
    pytest.param({"entries": [entry(email="a@b.vn")]}, "entries.0.email", id="unknown-in-entry"),
    pytest.param({"entries": "19001075"}, "entries", id="entries-not-a-list"),
    pytest.param({"colour": "red"}, "colour", id="unknown-field"),
    pytest.param({"callback_api_token": "short"}, "callback_api_token", id="token-too-short"),
]


@pytest.mark.parametrize(("config", "field"), INVALID)
def test_invalid_config_names_the_field_and_changes_nothing(
    admin_client, anonymous_client, configure_plugin, configured, config, field
):
    before = admin_client.get(PLUGIN_URL).get_json()["state"]
    numbers_before = anonymous_client.get(NUMBERS).get_json()

    response = configure_plugin(config)

    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "invalid_input"
    assert "hotlines" in body["message"]
    assert field in body["errors"], body["errors"]
    assert all(isinstance(m, str) and m for m in body["errors"][field])
    assert admin_client.get(PLUGIN_URL).get_json()["state"] == before
    assert anonymous_client.get(NUMBERS).get_json() == numbers_before


def test_every_bad_entry_is_reported_at_once(configure_plugin):
    response = configure_plugin(
        {"entries": [entry(number="12"), entry(number="19001075"), entry(category="x")]}
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert {"entries.0.number", "entries.2.category"} <= set(errors)
    assert "entries.1.number" not in errors


def test_only_a_province_admin_configures(citizen_client, official_client):
    for client in (citizen_client, official_client):
        response = client.put(f"{PLUGIN_URL}/config", json={"entries": [entry()]})
        assert response.status_code == 403
        assert response.get_json()["code"] == "forbidden"


def test_the_secret_is_never_returned(admin_client, anonymous_client, citizen_client, configured):
    token = configured["callback_api_token"]
    seen = [
        admin_client.put(f"{PLUGIN_URL}/config", json=configured),
        admin_client.get(PLUGIN_URL),
        admin_client.get(PLUGIN_URL, headers={"Accept-Language": "en"}),
        admin_client.get("/api/v1/admin/plugins"),
        admin_client.get("/api/v1/admin/audit", query_string={"plugin": "hotlines"}),
        anonymous_client.get(NUMBERS),
        citizen_client.get(NUMBERS),
        anonymous_client.get("/m/hotlines/"),
        anonymous_client.get("/api/v1/modules"),
    ]
    for response in seen:
        assert response.status_code == 200, response.request.path
        assert token not in response.get_data(as_text=True), response.request.path
    state = admin_client.get(PLUGIN_URL).get_json()["state"]
    assert state["config"]["secrets_set"] == ["callback_api_token"]
    assert "callback_api_token" not in state["config"]["values"]
    schema = {f["name"]: f for f in admin_client.get(PLUGIN_URL).get_json()["config_schema"]}
    assert schema["callback_api_token"]["secret"] is True
    assert schema["entries"]["secret"] is False


def test_a_secret_left_out_is_kept_and_null_clears_it(admin_client, configure_plugin, configured):
    response = configure_plugin({"entries": [entry()]})
    assert response.status_code == 200
    config = response.get_json()["state"]["config"]
    assert config["secrets_set"] == ["callback_api_token"]
    assert [e["number"] for e in config["values"]["entries"]] == ["19001075"]

    cleared = configure_plugin({"entries": [entry()], "callback_api_token": None})
    assert cleared.status_code == 200
    assert cleared.get_json()["state"]["config"]["secrets_set"] == []


def test_configuration_is_audited_without_the_secret(admin_client, configured):
    entries = admin_client.get(
        "/api/v1/admin/audit", query_string={"action": "module.configured", "target": "hotlines"}
    ).get_json()["entries"]
    assert len(entries) == 1
    after = entries[0]["after"]
    assert after["secrets_changed"] == ["callback_api_token"]
    assert json.dumps(after).count(configured["callback_api_token"]) == 0
    assert [e["number"] for e in after["config"]["entries"]] == ["19001075", "0905123456"]
