"""Through the platform's HTTP APIs alone: a citizen verifies a phone with the code this plugin
carries to the gateway, chooses SMS for alerts, and the IOC's alert for their ward reaches the
gateway on loopback as a text."""

from __future__ import annotations

import re

ALERT = {
    "category": ["Met"],
    "event": "Lũ",
    "urgency": "Immediate",
    "severity": "Severe",
    "certainty": "Likely",
    "headline": "Cảnh báo lũ ở Đà Nẵng",
    "description": "Nước sông đang lên.",
    "expires": "2099-01-01T00:00:00+07:00",
}
PHONE = "+84905123456"


def test_a_citizen_with_a_verified_phone_gets_an_alert_by_text(
    sieuapp_platform, citizen_client, ioc_client, configure_plugin, gateway
):
    assert configure_plugin(gateway.config()).status_code == 200
    asked = citizen_client.post("/api/v1/me/phone/verification", json={"phone": PHONE})
    assert asked.status_code == 202, asked.get_json()
    [code_text] = gateway.requests
    assert code_text["json"]["to"] == PHONE
    code = re.search(r"\b(\d{6})\b", code_text["json"]["text"]).group(1)
    confirmed = citizen_client.post("/api/v1/me/phone/verification/confirm", json={"code": code})
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["phone_verified_at"] is not None

    ward = citizen_client.get("/api/v1/tenant/units").get_json()[0]["code"]
    assert citizen_client.put("/api/v1/me/areas/home", json={"unit_code": ward}).status_code == 200
    chosen = citizen_client.put(
        "/api/v1/me/notification-settings", json={"preferences": {"alerts": {"sms": True}}}
    )
    assert chosen.status_code == 200, chosen.get_json()
    draft = ioc_client.post(
        "/api/v1/alerts", json={**ALERT, "areas": [{"area_desc": ward, "communes": [ward]}]}
    )
    assert draft.status_code == 201, draft.get_json()
    alert_id = draft.get_json()["id"]
    assert ioc_client.post(f"/api/v1/alerts/{alert_id}/publish", json={}).status_code == 200
    sieuapp_platform.run_tasks()

    assert len(gateway.requests) == 2
    sent = gateway.requests[1]["json"]
    assert sent["to"] == PHONE
    # Unaccented by default: every handset shows it, in fewer paid parts.
    assert sent["text"].startswith("Canh bao lu o Da Nang\nNuoc song dang len.")
    deliveries = ioc_client.get(f"/api/v1/alerts/{alert_id}").get_json()["deliveries"]
    assert deliveries == {"sms": {"sent": 1}}
