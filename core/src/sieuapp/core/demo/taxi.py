"""The demo's taxi service: two firms, their fares, cars and drivers. Everything past the
firms' organizations goes through the taxi plugin's own HTTP API, as the firms' staff would
set it up: the core knows nothing of the plugin's tables."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sieuapp.sdk.errors import PlatformError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .._runtime import runtime_of
from ..db import unit_of_work
from ..identity import accounts
from ..identity.models import User
from ..tenancy.models import Organization
from .accounts import DEMO_ACCOUNTS

TAXI = "taxi"
#: The second firm; Mai Linh is among every tenant's seeded organizations.
SECOND_FIRM = ("thanh-cong-hue", "Taxi Thành Công Huế", "Thành Công Taxi Huế")
FIRMS = ["mai-linh-hue", SECOND_FIRM[0]]
#: Published fares of the kind Huế's firms have (opening fare for the first km, then by band).
TARIFFS: dict[str, dict[int, dict[str, Any]]] = {
    "mai-linh-hue": {
        4: {
            "opening_fare": 12_000,
            "opening_km": 1,
            "bands": [{"up_to_km": 30, "per_km": 15_600}, {"up_to_km": None, "per_km": 12_600}],
            "waiting_per_minute": 1_000,
        },
        7: {
            "opening_fare": 14_000,
            "opening_km": 1,
            "bands": [{"up_to_km": 30, "per_km": 17_200}, {"up_to_km": None, "per_km": 14_100}],
            "waiting_per_minute": 1_200,
        },
    },
    SECOND_FIRM[0]: {
        4: {
            "opening_fare": 11_000,
            "opening_km": 0.7,
            "bands": [{"up_to_km": 25, "per_km": 16_000}, {"up_to_km": None, "per_km": 13_000}],
            "waiting_per_minute": 900,
        },
    },
}
#: (staff account, driver account, plate, seats)
FLEET = [
    ("partner", "taixe1", "75A-123.45", 4),
    ("partner2", "taixe2", "75A-678.90", 4),
]


def ensure_firm(session: Session, tenant_id: int) -> None:
    """The second taxi firm, a partner organization like Mai Linh."""
    code, name, name_en = SECOND_FIRM
    found = session.scalar(
        select(Organization.id).where(
            Organization.tenant_id == tenant_id, Organization.code == code
        )
    )
    if found is None:
        session.add(
            Organization(tenant_id=tenant_id, code=code, kind="partner", name=name, name_en=name_en)
        )
        session.flush()


def set_up_fleet(app: Flask, tenant_id: int) -> None:
    """Each firm's fares, a car and a driver (who lets the service use their location and
    notify them), through the plugin's API as the firm's staff and the driver."""
    client = app.test_client()
    for staff, driver, plate, seats in FLEET:
        _, _, as_staff = _account(app, tenant_id, staff)
        driver_id, driver_name, as_driver = _account(app, tenant_id, driver)
        firm = next(a.organization for a in DEMO_ACCOUNTS if a.username == staff)
        for car_seats, tariff in TARIFFS[str(firm)].items():
            _ok(client.put(f"/m/taxi/firm/tariffs/{car_seats}", json=tariff, headers=as_staff))
        car = {"plate": plate, "seats": seats}
        _ok(client.post("/m/taxi/firm/vehicles", json=car, headers=as_staff))
        registered = {"user_id": driver_id, "name": driver_name, "phone": "0905123456"}
        _ok(client.post("/m/taxi/firm/drivers", json=registered, headers=as_staff))
        scopes = {"scopes": ["location", "notify"]}
        _ok(client.post("/api/v1/me/consents/taxi", json=scopes, headers=as_driver))


def _ok(response: Any) -> None:
    if response.status_code >= 400:
        raise PlatformError(
            f"demo taxi set-up refused ({response.status_code}): {response.get_json()}"
        )


def _account(app: Flask, tenant_id: int, username: str) -> tuple[str, str, dict[str, str]]:
    """A demo user's id, name, and a short-lived bearer header to act as them."""
    with unit_of_work(runtime_of(app).sessionmaker) as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None, username
        secret, _ = accounts.issue_token(session, user, tenant_id, 600)
        return user.id, user.full_name, {"Authorization": f"Bearer {secret}"}
