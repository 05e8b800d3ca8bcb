"""Where a user receives alerts for: a home ward or commune of their province, and, if they opt
in, where they are now (found in the ward boundaries, kept even outside all of them)."""

from __future__ import annotations

from typing import Any

import pytest
from sieuapp.core.alerts.areas import user_units
from sieuapp.core.alerts.models import UserArea
from sieuapp.sdk import Role
from sqlalchemy import select

from .me_support import add_square, agent_client, count, other_tenant_client, units
from .reports_support import tenant_id

AREAS = "/api/v1/me/areas"


def areas_in_db(platform: Any, role: str = Role.CITIZEN) -> dict[str, Any]:
    with platform.context() as session:
        rows = session.scalars(
            select(UserArea).where(UserArea.user_id == platform.users[role].id)
        ).all()
        return {row.kind: (row.unit_code, row.lat, row.lon) for row in rows}


def test_a_user_starts_with_no_areas(platform) -> None:
    answer = platform.client(Role.CITIZEN).get(AREAS)
    assert answer.status_code == 200 and answer.json == {"home": None, "current": None}


def test_the_home_is_a_ward_or_commune_of_the_province(platform) -> None:
    first, second = units(platform, 2)
    citizen = platform.client(Role.CITIZEN)
    answer = citizen.put(f"{AREAS}/home", json={"unit_code": first})
    assert answer.status_code == 200, answer.json
    assert answer.json["home"]["unit_code"] == first and answer.json["home"]["unit_name"]
    assert citizen.put(f"{AREAS}/home", json={"unit_code": second}).status_code == 200
    assert areas_in_db(platform) == {"home": (second, None, None)}
    with platform.context() as session:
        uid = platform.users[Role.CITIZEN].id
        assert user_units(session, tenant_id(session), uid) == [second]


@pytest.mark.parametrize("body", [{"unit_code": "99999"}, {"unit_code": ""}, {}, {"unit": "x"}])
def test_an_unknown_home_is_refused_and_changes_nothing(platform, body) -> None:
    citizen = platform.client(Role.CITIZEN)
    home = units(platform, 1)[0]
    citizen.put(f"{AREAS}/home", json={"unit_code": home})
    answer = citizen.put(f"{AREAS}/home", json=body)
    assert answer.status_code == 422 and "unit_code" in answer.json["errors"], answer.json
    assert areas_in_db(platform) == {"home": (home, None, None)}


def test_another_provinces_commune_is_not_a_home_here(platform) -> None:
    danang = other_tenant_client(platform)
    dn_unit = units(platform, 1, "dn")[0]
    hue_unit = units(platform, 1)[0]
    refused = platform.client(Role.CITIZEN).put(f"{AREAS}/home", json={"unit_code": dn_unit})
    assert refused.status_code == 422 and count(platform, UserArea) == 0
    assert danang.put(f"{AREAS}/home", json={"unit_code": hue_unit}).status_code == 422
    assert danang.put(f"{AREAS}/home", json={"unit_code": dn_unit}).status_code == 200
    assert platform.client(Role.CITIZEN).get(AREAS).json["home"] is None


def test_the_current_location_is_found_in_the_boundaries_and_kept_outside_them(platform) -> None:
    unit = units(platform, 1)[0]
    add_square(platform, unit, 16.40, 107.50, 0.1)
    citizen = platform.client(Role.CITIZEN)
    inside = citizen.put(f"{AREAS}/current", json={"lat": 16.45, "lon": 107.55})
    assert inside.status_code == 200, inside.json
    assert inside.json["current"]["unit_code"] == unit
    outside = citizen.put(f"{AREAS}/current", json={"lat": 16.60, "lon": 107.55})
    assert outside.json["current"]["unit_code"] is None
    assert areas_in_db(platform) == {"current": (None, 16.60, 107.55)}
    assert citizen.delete(f"{AREAS}/current").status_code == 204
    assert areas_in_db(platform) == {}
    # Opting out twice is not an error.
    assert citizen.delete(f"{AREAS}/current").status_code == 204


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lat": 91, "lon": 107.5}, "lat"),
        ({"lat": 16.4, "lon": -181}, "lon"),
        ({"lat": "north", "lon": 107.5}, "lat"),
        ({"lat": 16.4}, "lon"),
        ({"lat": float("nan"), "lon": 107.5}, "lat"),
    ],
)
def test_a_bad_location_is_refused_and_changes_nothing(platform, body, field) -> None:
    citizen = platform.client(Role.CITIZEN)
    citizen.put(f"{AREAS}/current", json={"lat": 16.45, "lon": 107.55})
    answer = citizen.put(
        f"{AREAS}/current",
        data=str(body).replace("'", '"').replace("nan", "NaN"),
        content_type="application/json",
    )
    assert answer.status_code == 422 and field in answer.json["errors"], answer.json
    assert areas_in_db(platform) == {"current": (None, 16.45, 107.55)}


def test_areas_belong_to_the_account_holder(platform) -> None:
    home = units(platform, 1)[0]
    anonymous = platform.client()
    assert anonymous.get(AREAS).status_code == 401
    assert anonymous.put(f"{AREAS}/home", json={"unit_code": home}).status_code == 401
    assert anonymous.delete(f"{AREAS}/current").status_code == 401
    platform.client(Role.CITIZEN).put(f"{AREAS}/current", json={"lat": 16.45, "lon": 107.55})
    agent = agent_client(platform)
    assert agent.get(AREAS).json["current"]["lat"] == 16.45
    assert agent.put(f"{AREAS}/home", json={"unit_code": home}).status_code == 403
    assert agent.put(f"{AREAS}/current", json={"lat": 16.0, "lon": 107.0}).status_code == 403
    assert agent.delete(f"{AREAS}/current").status_code == 403
    assert areas_in_db(platform) == {"current": (None, 16.45, 107.55)}
    # Someone else's areas are their own.
    assert platform.client(Role.OFFICIAL).get(AREAS).json == {"home": None, "current": None}


def test_the_users_areas_settings_and_browsers_are_exported_and_erased(platform) -> None:
    import base64
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from sieuapp.core.identity.models import User
    from sieuapp.core.identity.personal_data import erasure
    from sieuapp.core.notifications.models import (
        NotificationPreference,
        NotificationSettings,
        PushSubscription,
    )

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    keys = {"p256dh": b64(point), "auth": b64(os.urandom(16))}
    citizen = platform.client(Role.CITIZEN)
    home = units(platform, 1)[0]
    citizen.put(f"{AREAS}/home", json={"unit_code": home})
    citizen.put(f"{AREAS}/current", json={"lat": 16.45, "lon": 107.55})
    citizen.put(
        "/api/v1/me/notification-settings",
        json={"quiet_start": "22:00", "quiet_end": "06:00", "preferences": {}},
    )
    endpoint = "https://push.example.com/secret-path-123"
    added = citizen.post("/api/v1/me/push-subscriptions", json={"endpoint": endpoint, "keys": keys})
    assert added.status_code == 201, added.json
    platform.client(Role.OFFICIAL).put(f"{AREAS}/home", json={"unit_code": home})

    exported = citizen.get("/api/v1/me/data")
    assert exported.status_code == 200, exported.json
    raw = exported.get_data(as_text=True)
    assert keys["p256dh"] not in raw and keys["auth"] not in raw and "secret-path" not in raw
    data = exported.json
    assert {a["kind"]: a["unit_code"] for a in data["alert_areas"]} == {
        "home": home,
        "current": None,
    }
    assert data["notification_settings"][0]["quiet_start_minute"] == 22 * 60
    assert data["push_subscriptions"] == [
        {**data["push_subscriptions"][0], "tenant": "hue", "push_service": "push.example.com"}
    ]

    with platform.context() as session:
        user = session.get(User, platform.users[Role.CITIZEN].id)
        counts = erasure.erase_core(session, user)
    assert (counts["alert_areas"], counts["push_subscriptions"]) == (2, 1)
    assert counts["notification_settings"] == 1
    assert count(platform, NotificationSettings) == count(platform, PushSubscription) == 0
    assert count(platform, NotificationPreference) == 0
    # The official's area is theirs, untouched.
    assert areas_in_db(platform, Role.OFFICIAL) == {"home": (home, None, None)}
