"""The whole path on a real platform, driven through its HTTP APIs alone, as a partner could:
a citizen picks a home ward and subscribes a browser, the IOC composes and publishes an alert,
the platform's background work fans it out and hands it to this plugin, and the local push
service receives a message only that browser can read."""

from __future__ import annotations

import json
from typing import Any

SUBSCRIPTIONS = "/api/v1/me/push-subscriptions"
FLOOD = {
    "category": ["Met"],
    "event": "Lũ",
    "urgency": "Immediate",
    "severity": "Extreme",
    "certainty": "Observed",
    "headline": "Lũ khẩn cấp trên sông Hương",
    "headline_en": "Flash flood on the Perfume River",
    "description": "Nước lên nhanh.",
    "instruction": "Di chuyển lên chỗ cao ngay.",
    "expires": "2099-01-01T00:00:00+07:00",
}


def wards(client: Any) -> list[str]:
    return [unit["code"] for unit in client.get("/api/v1/tenant/units").get_json()]


def subscribe(client: Any, subscriber: Any, endpoint: str, home: str) -> None:
    assert client.put("/api/v1/me/areas/home", json={"unit_code": home}).status_code == 200
    subscribed = client.post(SUBSCRIPTIONS, json=subscriber.subscription(endpoint))
    assert subscribed.status_code == 201, subscribed.get_json()


def publish(platform: Any, ioc_client: Any, ward: str) -> int:
    """Compose and publish a flood alert for ``ward``, let the background work run, and return
    the alert's id."""
    body = {**FLOOD, "areas": [{"area_desc": ward, "communes": [ward]}]}
    draft = ioc_client.post("/api/v1/alerts", json=body)
    assert draft.status_code == 201, draft.get_json()
    alert_id = draft.get_json()["id"]
    sent = ioc_client.post(f"/api/v1/alerts/{alert_id}/publish", json={})
    assert sent.status_code == 200, sent.get_json()
    platform.run_tasks()
    return alert_id


def deliveries(ioc_client: Any, alert_id: int) -> dict[str, dict[str, int]]:
    return ioc_client.get(f"/api/v1/alerts/{alert_id}").get_json()["deliveries"]


def test_an_alert_for_the_home_ward_reaches_the_browser(
    sieuapp_platform, citizen_client, ioc_client, configured, push_service, subscriber
):
    home, elsewhere = wards(citizen_client)[:2]
    subscribe(citizen_client, subscriber, push_service.endpoint(201), home)

    missed = publish(sieuapp_platform, ioc_client, elsewhere)
    assert push_service.received == []
    assert deliveries(ioc_client, missed) == {}

    alert_id = publish(sieuapp_platform, ioc_client, home)
    [received] = push_service.received
    payload = json.loads(subscriber.decrypt(received.body))
    assert payload["title"] == FLOOD["headline"]
    # What to do matters as much as what happens: the instruction follows the description.
    assert payload["body"] == f"{FLOOD['description']}\n\n{FLOOD['instruction']}"
    assert payload["kind"] == "alert.alert"
    assert payload["critical"] is True
    assert payload["link"].startswith("http")
    assert received.headers["urgency"] == "high"
    assert len(received.headers["topic"]) == 32
    assert deliveries(ioc_client, alert_id) == {"web_push": {"sent": 1}}
    inbox = citizen_client.get("/api/v1/me/alerts").get_json()
    assert [a["title"] for a in inbox["alerts"]] == [FLOOD["headline"]]


def test_an_expired_subscription_is_forgotten(
    sieuapp_platform, citizen_client, ioc_client, configured, push_service, subscriber
):
    home = wards(citizen_client)[0]
    subscribe(citizen_client, subscriber, push_service.endpoint(410), home)

    alert_id = publish(sieuapp_platform, ioc_client, home)

    assert len(push_service.received) == 1
    assert citizen_client.get(SUBSCRIPTIONS).get_json() == {"subscriptions": []}
    assert deliveries(ioc_client, alert_id) == {"web_push": {"gone": 1}}
