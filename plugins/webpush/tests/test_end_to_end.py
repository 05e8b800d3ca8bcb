"""The whole path on a real platform: a citizen's browser subscribes through the core, a
report update notifies the citizen, the delivery task hands it to this plugin, and the local
push service receives a message only that browser can read."""

from __future__ import annotations

import json

from sieuapp.core.notifications import service  # the one test that drives the host itself
from sieuapp.core.notifications.models import Delivery, PushSubscription
from sieuapp.sdk import text
from sqlalchemy import func, select

SUBSCRIPTIONS = "/api/v1/me/push-subscriptions"


def test_a_notification_reaches_the_browser(
    sieuapp_platform, citizen_client, configured, push_service, subscriber
):
    endpoint = push_service.endpoint(201)
    registered = citizen_client.post(SUBSCRIPTIONS, json=subscriber.subscription(endpoint))
    assert registered.status_code == 201, registered.get_json()
    citizen = sieuapp_platform.users["citizen"]

    with sieuapp_platform.context() as session:
        tenant_id = session.scalar(select(PushSubscription.tenant_id))
        service.notify(
            session,
            tenant_id,
            citizen.id,
            "report.status_changed",
            text("Phản ánh đã được xử lý", "Your report was resolved"),
            text("Ổ gà trên đường Lê Lợi đã được vá.", "The pothole on Le Loi street was fixed."),
            link="/reports/42",
            data={"report_id": 42},
        )
    sieuapp_platform.run_tasks()

    [received] = push_service.received
    payload = json.loads(subscriber.decrypt(received.body))
    assert payload["title"] == "Phản ánh đã được xử lý"
    assert payload["body"] == "Ổ gà trên đường Lê Lợi đã được vá."
    assert payload["kind"] == "report.status_changed"
    assert payload["link"].endswith("/reports/42")
    assert payload["data"]["report_id"] == 42
    with sieuapp_platform.context() as session:
        statuses = session.execute(
            select(Delivery.channel, Delivery.status, func.count()).group_by(
                Delivery.channel, Delivery.status
            )
        ).all()
    assert statuses == [("web_push", "sent", 1)]


def test_an_expired_subscription_is_forgotten(
    sieuapp_platform, citizen_client, configured, push_service, subscriber
):
    registered = citizen_client.post(
        SUBSCRIPTIONS, json=subscriber.subscription(push_service.endpoint(410))
    )
    assert registered.status_code == 201, registered.get_json()
    citizen = sieuapp_platform.users["citizen"]

    with sieuapp_platform.context() as session:
        tenant_id = session.scalar(select(PushSubscription.tenant_id))
        service.notify(
            session, tenant_id, citizen.id, "report.status_changed", text("a", "a"), text("b", "b")
        )
    sieuapp_platform.run_tasks()

    assert len(push_service.received) == 1
    with sieuapp_platform.context() as session:
        assert session.scalar(select(func.count()).select_from(PushSubscription)) == 0
        assert session.scalars(select(Delivery.status)).all() == ["gone"]


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


def test_an_alert_for_the_home_ward_reaches_the_browser_through_the_apis_alone(
    sieuapp_platform, citizen_client, ioc_client, configured, push_service, subscriber
):
    # What a partner can do from outside: the citizen picks a ward and subscribes a browser,
    # the IOC composes and publishes, the platform's background work does the rest.
    wards = citizen_client.get("/api/v1/tenant/units").get_json()
    home, elsewhere = wards[0]["code"], wards[1]["code"]
    assert citizen_client.put("/api/v1/me/areas/home", json={"unit_code": home}).status_code == 200
    endpoint = push_service.endpoint(201)
    subscribed = citizen_client.post(SUBSCRIPTIONS, json=subscriber.subscription(endpoint))
    assert subscribed.status_code == 201, subscribed.get_json()

    def publish(ward: str) -> dict:
        body = {**FLOOD, "areas": [{"area_desc": ward, "communes": [ward]}]}
        draft = ioc_client.post("/api/v1/alerts", json=body)
        assert draft.status_code == 201, draft.get_json()
        sent = ioc_client.post(f"/api/v1/alerts/{draft.get_json()['id']}/publish", json={})
        assert sent.status_code == 200, sent.get_json()
        sieuapp_platform.run_tasks()
        return sent.get_json()

    publish(elsewhere)
    assert push_service.received == []

    publish(home)
    [received] = push_service.received
    payload = json.loads(subscriber.decrypt(received.body))
    assert payload["title"] == FLOOD["headline"]
    assert payload["critical"] is True
    assert received.headers["urgency"] == "high"
    assert len(received.headers["topic"]) == 32
    inbox = citizen_client.get("/api/v1/me/alerts").get_json()
    assert [a["title"] for a in inbox["alerts"]] == [FLOOD["headline"]]
