"""A user's own notification settings: quiet hours, digest, the module × channel matrix and the
browsers they get Web Push on. Only they change them; bad input changes nothing."""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sieuapp.core.notifications.models import (
    NotificationPreference,
    NotificationSettings,
    PushSubscription,
)
from sieuapp.sdk import Role
from sqlalchemy import select

from .me_support import agent_client, count, other_tenant_client
from .notifications_support import recorder_plugin

SETTINGS = "/api/v1/me/notification-settings"
PUSH = "/api/v1/me/push-subscriptions"


@pytest.fixture
def platform(make_platform, synthetic) -> Any:
    synthetic("recorder", recorder_plugin())
    return make_platform(plugins=["recorder"], entry_points=synthetic.entry_points())


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def browser_keys() -> dict[str, str]:
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = public.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {"p256dh": b64(point), "auth": b64(os.urandom(16))}


def subscription(endpoint: str = "https://fcm.googleapis.com/fcm/send/abc123") -> dict[str, Any]:
    return {"endpoint": endpoint, "expirationTime": None, "keys": browser_keys()}


def rows(platform: Any) -> tuple[int, int, int]:
    return (
        count(platform, NotificationSettings),
        count(platform, NotificationPreference),
        count(platform, PushSubscription),
    )


# -- settings -----------------------------------------------------------------------------------


def test_the_defaults_show_every_module_and_offered_channel(platform) -> None:
    answer = platform.client(Role.CITIZEN).get(SETTINGS, headers={"Accept-Language": "en"})
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert (body["quiet_start"], body["quiet_end"], body["digest"]) == (None, None, False)
    assert body["digest_hour"] == 7
    modules = [m["id"] for m in body["modules"]]
    assert modules[:4] == ["alerts", "payments", "reports", "platform"] and "recorder" in modules
    channels = {c["id"]: c["name"] for c in body["channels"]}
    assert channels["web_push"] == "Push notifications" and channels["email"] == "E-mail"
    assert body["preferences"]["alerts"]["web_push"] is True
    assert body["preferences"]["reports"]["email"] is False
    assert set(body["preferences"]) == set(modules)
    vietnamese = platform.client(Role.CITIZEN).get(SETTINGS).json
    assert {c["id"]: c["name"] for c in vietnamese["channels"]}["web_push"] == "Thông báo đẩy"
    assert rows(platform) == (0, 0, 0)


def test_a_full_then_partial_update_keeps_what_was_not_sent(platform) -> None:
    citizen = platform.client(Role.CITIZEN)
    answer = citizen.put(
        SETTINGS,
        json={
            "quiet_start": "22:30",
            "quiet_end": "06:00",
            "digest": True,
            "digest_hour": 20,
            "preferences": {"reports": {"email": True, "web_push": False}},
        },
    )
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert (body["quiet_start"], body["quiet_end"], body["digest"], body["digest_hour"]) == (
        "22:30",
        "06:00",
        True,
        20,
    )
    assert body["preferences"]["reports"] == {**body["preferences"]["reports"], "email": True}
    assert body["preferences"]["reports"]["web_push"] is False
    with platform.context() as session:
        row = session.scalar(select(NotificationSettings))
        assert (row.quiet_start, row.quiet_end) == (22 * 60 + 30, 6 * 60)
        assert row.user_id == platform.users[Role.CITIZEN].id
    again = citizen.put(SETTINGS, json={"preferences": {"reports": {"email": False}}}).json
    assert again["quiet_start"] == "22:30" and again["digest"] is True
    assert again["preferences"]["reports"]["email"] is False
    assert rows(platform) == (1, 2, 0)
    cleared = citizen.put(SETTINGS, json={"quiet_start": None, "quiet_end": None}).json
    assert (cleared["quiet_start"], cleared["quiet_end"], cleared["digest_hour"]) == (
        None,
        None,
        20,
    )
    # Someone else's settings are untouched and still the defaults.
    other = platform.client(Role.OFFICIAL).get(SETTINGS).json
    assert other["digest"] is False and other["preferences"]["reports"]["web_push"] is True


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quiet_start": "22:00"}, "quiet_end"),
        ({"quiet_end": "06:00"}, "quiet_start"),
        ({"quiet_start": None, "quiet_end": "06:00"}, "quiet_start"),
        ({"quiet_start": "24:00", "quiet_end": "06:00"}, "quiet_start"),
        ({"quiet_start": "22:00", "quiet_end": "6h"}, "quiet_end"),
        ({"digest_hour": 24}, "digest_hour"),
        ({"digest": "sometimes"}, "digest"),
        ({"preferences": {"taxi": {"email": True}}}, "preferences.taxi"),
        ({"preferences": {"reports": {"pigeon": True}}}, "preferences.reports.pigeon"),
        ({"preferences": {"reports": {"email": "yes please"}}}, "preferences"),
    ],
)
def test_bad_settings_change_nothing_and_name_the_field(platform, change, field) -> None:
    citizen = platform.client(Role.CITIZEN)
    assert citizen.put(SETTINGS, json={"digest": False}).status_code == 200
    before = citizen.get(SETTINGS).json
    counted = rows(platform)
    # A valid change beside the bad one is not applied either.
    answer = citizen.put(
        SETTINGS, json={"digest": True, "preferences": {"alerts": {"email": True}}, **change}
    )
    assert answer.status_code == 422, answer.json
    assert answer.json["code"] == "invalid_input"
    assert any(name.startswith(field) for name in answer.json["errors"]), answer.json
    assert rows(platform) == counted and citizen.get(SETTINGS).json == before


def test_settings_need_the_account_holder(platform) -> None:
    anonymous = platform.client()
    assert anonymous.get(SETTINGS).status_code == 401
    assert anonymous.put(SETTINGS, json={"digest": True}).status_code == 401
    agent = agent_client(platform)
    assert agent.get(SETTINGS).status_code == 200
    assert agent.put(SETTINGS, json={"digest": True}).status_code == 403
    assert agent.put(SETTINGS, json={"digest_hour": 99}).status_code == 403
    assert rows(platform) == (0, 0, 0)


def test_another_provinces_user_has_their_own_settings(platform) -> None:
    platform.client(Role.CITIZEN).put(SETTINGS, json={"digest": True})
    danang = other_tenant_client(platform)
    answer = danang.get(SETTINGS)
    assert answer.status_code == 200 and answer.json["digest"] is False
    # The recorder is not enabled in Đà Nẵng: no channel, so no preference can be set there.
    assert answer.json["channels"] == [] and "recorder" not in answer.json["preferences"]
    refused = danang.put(SETTINGS, json={"preferences": {"reports": {"email": True}}})
    assert refused.status_code == 422
    assert danang.put(SETTINGS, json={"digest_hour": 5}).status_code == 200
    with platform.context() as session:
        hue = session.scalar(
            select(NotificationSettings).where(
                NotificationSettings.user_id == platform.users[Role.CITIZEN].id
            )
        )
        assert hue.digest is True and hue.digest_hour == 7


# -- push subscriptions -------------------------------------------------------------------------


def test_a_browser_registers_lists_and_removes_its_subscription(platform) -> None:
    citizen = platform.client(Role.CITIZEN)
    sent = subscription()
    added = citizen.post(PUSH, json=sent, headers={"User-Agent": "Firefox/140"})
    assert added.status_code == 201, added.json
    assert added.json["host"] == "fcm.googleapis.com" and added.json["user_agent"] == "Firefox/140"
    listed = citizen.get(PUSH)
    assert listed.status_code == 200
    text = listed.get_data(as_text=True)
    assert len(listed.json["subscriptions"]) == 1
    assert sent["keys"]["auth"] not in text and "abc123" not in text
    # The same endpoint with new keys updates the row.
    renewed = {**sent, "keys": browser_keys()}
    assert citizen.post(PUSH, json=renewed).status_code == 200
    with platform.context() as session:
        row = session.scalar(select(PushSubscription))
        assert row.p256dh == renewed["keys"]["p256dh"] and row.endpoint == sent["endpoint"]
    assert count(platform, PushSubscription) == 1
    removed = citizen.delete(PUSH, json={"endpoint": sent["endpoint"]})
    assert removed.status_code == 204
    assert citizen.delete(PUSH, json={"endpoint": sent["endpoint"]}).status_code == 404
    assert count(platform, PushSubscription) == 0


def test_an_endpoint_moves_to_whoever_signs_in_on_the_browser(platform) -> None:
    sent = subscription()
    assert platform.client(Role.CITIZEN).post(PUSH, json=sent).status_code == 201
    official = platform.client(Role.OFFICIAL)
    assert official.post(PUSH, json=sent).status_code == 200
    assert platform.client(Role.CITIZEN).get(PUSH).json["subscriptions"] == []
    assert len(official.get(PUSH).json["subscriptions"]) == 1
    # The citizen cannot remove what is now the official's.
    gone = platform.client(Role.CITIZEN).delete(PUSH, json={"endpoint": sent["endpoint"]})
    assert gone.status_code == 404 and count(platform, PushSubscription) == 1


def test_plain_http_is_accepted_only_on_this_machine(platform) -> None:
    citizen = platform.client(Role.CITIZEN)
    local = citizen.post(PUSH, json=subscription("http://127.0.0.1:8089/push/1"))
    assert local.status_code == 201, local.json
    assert citizen.post(PUSH, json=subscription("http://localhost/push/2")).status_code == 201


def _point_off_the_curve() -> str:
    return b64(b"\x04" + b"\x01" * 64)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"endpoint": "http://push.example.com/x"}, "endpoint"),
        ({"endpoint": "ftp://push.example.com/x"}, "endpoint"),
        ({"endpoint": "push.example.com/x"}, "endpoint"),
        ({"keys": {"p256dh": b64(b"\x04" + b"\x07" * 30), "auth": b64(b"a" * 16)}}, "keys.p256dh"),
        ({"keys": {"p256dh": "+not/base64url", "auth": b64(b"a" * 16)}}, "keys.p256dh"),
        ({"keys": {"p256dh": _point_off_the_curve(), "auth": b64(b"a" * 16)}}, "keys.p256dh"),
        ({"keys": {"p256dh": browser_keys()["p256dh"], "auth": b64(b"a" * 15)}}, "keys.auth"),
        ({"keys": {"p256dh": browser_keys()["p256dh"]}}, "keys.auth"),
        ({"endpoint": None}, "endpoint"),
    ],
)
def test_a_bad_subscription_is_refused_naming_the_field(platform, change, field) -> None:
    answer = platform.client(Role.CITIZEN).post(PUSH, json={**subscription(), **change})
    assert answer.status_code == 422, answer.json
    assert field in answer.json["errors"], answer.json
    assert count(platform, PushSubscription) == 0


def test_subscriptions_need_the_account_holder(platform) -> None:
    anonymous = platform.client()
    assert anonymous.get(PUSH).status_code == 401
    assert anonymous.post(PUSH, json=subscription()).status_code == 401
    sent = subscription()
    assert platform.client(Role.CITIZEN).post(PUSH, json=sent).status_code == 201
    agent = agent_client(platform)
    assert len(agent.get(PUSH).json["subscriptions"]) == 1
    assert agent.post(PUSH, json=subscription("https://push.example.com/2")).status_code == 403
    assert agent.delete(PUSH, json={"endpoint": sent["endpoint"]}).status_code == 403
    assert count(platform, PushSubscription) == 1
    danang = other_tenant_client(platform)
    assert danang.get(PUSH).json["subscriptions"] == []
    assert danang.delete(PUSH, json={"endpoint": sent["endpoint"]}).status_code == 404
