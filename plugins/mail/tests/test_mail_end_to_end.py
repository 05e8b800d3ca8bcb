"""Through the platform's HTTP APIs alone: a citizen with an e-mail address who chose e-mail
for alerts is told of an alert for their ward, and the message reaches the SMTP server on
loopback."""

from __future__ import annotations

import email
from email import policy

import pytest

from .conftest import PASSWORD, USERNAME

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

ALERT = {
    "category": ["Met"],
    "event": "Lũ",
    "urgency": "Expected",
    "severity": "Moderate",
    "certainty": "Likely",
    "headline": "Cảnh báo lũ trên sông Hương",
    "description": "Mực nước sông Hương đang lên.",
    "expires": "2099-01-01T00:00:00+07:00",
}


def test_a_citizen_is_told_of_an_alert_by_email(
    sieuapp_platform, admin_client, ioc_client, anonymous_client, configure_plugin, smtp_server
):
    assert (
        configure_plugin(smtp_server.config(username=USERNAME, password=PASSWORD)).status_code
        == 200
    )
    account = {"username": "an.nguyen", "password": "mat-khau-rat-dai", "email": "an@example.vn"}
    assert admin_client.post("/api/v1/admin/users", json=account).status_code == 201
    credentials = {k: account[k] for k in ("username", "password")}
    signed_in = anonymous_client.post("/api/v1/auth/login", json=credentials)
    assert signed_in.status_code == 200, signed_in.get_json()
    an = {"Authorization": f"Bearer {signed_in.get_json()['access_token']}"}
    ward = anonymous_client.get("/api/v1/tenant/units").get_json()[0]["code"]
    assert (
        anonymous_client.put("/api/v1/me/areas/home", json={"unit_code": ward}, headers=an)
    ).status_code == 200
    chosen = anonymous_client.put(
        "/api/v1/me/notification-settings",
        json={"preferences": {"alerts": {"email": True}}},
        headers=an,
    )
    assert chosen.status_code == 200, chosen.get_json()

    draft = ioc_client.post(
        "/api/v1/alerts", json={**ALERT, "areas": [{"area_desc": ward, "communes": [ward]}]}
    )
    assert draft.status_code == 201, draft.get_json()
    alert_id = draft.get_json()["id"]
    assert ioc_client.post(f"/api/v1/alerts/{alert_id}/publish", json={}).status_code == 200
    sieuapp_platform.run_tasks()

    assert [r["to"] for r in smtp_server.mailbox.received] == [["an@example.vn"]]
    mail = email.message_from_bytes(
        smtp_server.mailbox.received[0]["content"], policy=policy.default
    )
    assert mail["Subject"] == ALERT["headline"]
    assert ALERT["description"] in mail.get_body(("plain",)).get_content()
    deliveries = ioc_client.get(f"/api/v1/alerts/{alert_id}").get_json()["deliveries"]
    assert deliveries == {"email": {"sent": 1}}
