"""A firm's tariffs, cars and drivers, as its staff keep them."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sieuapp.sdk import Services
from sieuapp.sdk.errors import Conflict, InvalidInput, NotFound
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import tariffs, texts
from .inputs import Body
from .models import Driver, Tariff, Vehicle, utcnow
from .tariffs import SEAT_CLASSES, Fares
from .texts import say

#: A Vietnamese car plate without its separators: province code, series, 4 or 5 digits.
PLATE = re.compile(r"^([0-9]{2}[A-Z]{1,2})([0-9]{4,5})$")
PHONE = re.compile(r"^(?:\+84|0)[35789][0-9]{8}$")


def plate_key(raw: Any) -> str | None:
    if not isinstance(raw, str):
        return None
    key = re.sub(r"[\s.\-]", "", raw).upper()
    return key if PLATE.match(key) else None


def shown_plate(key: str) -> str:
    """75A12345 as 75A-123.45, as it is painted on the car."""
    head, digits = PLATE.match(key).groups()  # type: ignore[union-attr]
    return f"{head}-{digits[:3]}.{digits[3:]}" if len(digits) == 5 else f"{head}-{digits}"


# -- tariffs -----------------------------------------------------------------------------------


def tariff(session: Session, tenant_id: int, firm: str, seats: int) -> Fares | None:
    row = session.scalar(
        select(Tariff).where(
            Tariff.tenant_id == tenant_id, Tariff.firm == firm, Tariff.seats == seats
        )
    )
    return None if row is None else _fares(row)


def _fares(row: Tariff) -> Fares:
    return tariffs.from_row(row.opening_fare, row.opening_km, row.bands, row.waiting_per_minute)


def tariffs_of(session: Session, tenant_id: int, firms: list[str], seats: int) -> dict[str, Fares]:
    rows = session.scalars(
        select(Tariff).where(
            Tariff.tenant_id == tenant_id, Tariff.firm.in_(firms), Tariff.seats == seats
        )
    )
    return {r.firm: _fares(r) for r in rows}


def publish_tariff(services: Services, firm: str, seats: int, body: Any) -> dict[str, Any]:
    if seats not in SEAT_CLASSES:
        raise NotFound(say(texts.SEATS))
    fares, errors = tariffs.parse(body)
    if fares is None:
        raise InvalidInput(say(texts.INVALID), errors)
    session = services.db.session
    tenant_id = services.tenancy.current().id
    row = session.scalar(
        select(Tariff)
        .where(Tariff.tenant_id == tenant_id, Tariff.firm == firm, Tariff.seats == seats)
        .with_for_update()
    )
    before = None if row is None else _fares(row).as_dict()
    if row is None:
        row = Tariff(tenant_id=tenant_id, firm=firm, seats=seats)
        session.add(row)
    row.opening_fare, row.opening_km = fares.opening_fare, fares.opening_km
    row.bands, row.waiting_per_minute = fares.bands_json(), fares.waiting_per_minute
    row.updated_at = utcnow()
    session.flush()
    services.audit.record("tariff.published", f"{firm}/{seats}", before, fares.as_dict())
    return tariff_view(row)


def tariff_view(row: Tariff) -> dict[str, Any]:
    return {
        "firm": row.firm,
        "seats": row.seats,
        **_fares(row).as_dict(),
        "updated_at": row.updated_at.isoformat(),
    }


def firm_tariffs(session: Session, tenant_id: int, firm: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Tariff)
        .where(Tariff.tenant_id == tenant_id, Tariff.firm == firm)
        .order_by(Tariff.seats)
    )
    return [tariff_view(r) for r in rows]


# -- vehicles ----------------------------------------------------------------------------------


def vehicle_view(row: Vehicle) -> dict[str, Any]:
    return {
        "id": row.id,
        "firm": row.firm,
        "plate": shown_plate(row.plate),
        "seats": row.seats,
        "device_id": row.device_id,
        "active": row.active,
    }


def add_vehicle(services: Services, firm: str) -> dict[str, Any]:
    body = Body({"plate", "seats"})
    plate = plate_key(body.data.get("plate"))
    if plate is None:
        body.fail("plate", say(texts.PLATE))
    seats = body.data.get("seats")
    if seats not in SEAT_CLASSES or isinstance(seats, bool):
        body.fail("seats", say(texts.SEATS))
    body.check()
    session = services.db.session
    tenant_id = services.tenancy.current().id
    if session.scalar(
        select(Vehicle.id).where(Vehicle.tenant_id == tenant_id, Vehicle.plate == plate)
    ):
        raise Conflict(
            say(texts.PLATE_TAKEN, plate=shown_plate(plate)),
            {"plate": [say(texts.PLATE_TAKEN, plate=shown_plate(plate))]},
        )  # type: ignore[arg-type]
    row = Vehicle(
        tenant_id=tenant_id, firm=firm, plate=plate, seats=seats, device_id=str(uuid.uuid4())
    )
    session.add(row)
    session.flush()
    services.audit.record("vehicle.added", str(row.id), None, vehicle_view(row))
    return vehicle_view(row)


def firm_vehicle(session: Session, tenant_id: int, firm: str, vehicle_id: Any) -> Vehicle | None:
    if isinstance(vehicle_id, bool) or not isinstance(vehicle_id, int):
        return None
    row = session.get(Vehicle, vehicle_id)
    return row if row is not None and row.tenant_id == tenant_id and row.firm == firm else None


def vehicles(session: Session, tenant_id: int, firm: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Vehicle)
        .where(Vehicle.tenant_id == tenant_id, Vehicle.firm == firm)
        .order_by(Vehicle.plate)
    )
    return [vehicle_view(r) for r in rows]


# -- drivers -----------------------------------------------------------------------------------


def driver_view(row: Driver) -> dict[str, Any]:
    return {
        "id": row.id,
        "firm": row.firm,
        "user_id": row.user_id,
        "name": row.name,
        "phone": row.phone,
        "active": row.active,
        "status": row.status,
        "vehicle_id": row.vehicle_id,
        "position_at": row.position_at.isoformat() if row.position_at else None,
    }


def add_driver(services: Services, firm: str) -> dict[str, Any]:
    body = Body({"user_id", "name", "phone"})
    name = body.text("name", 200, required=True, minimum=2)
    if name is None and "name" not in body.errors:
        body.fail("name", say(texts.NAME))
    phone_raw = body.data.get("phone")
    phone = re.sub(r"[\s.\-]", "", phone_raw) if isinstance(phone_raw, str) else None
    if phone is None or not PHONE.match(phone):
        body.fail("phone", say(texts.PHONE))
    user_id = body.data.get("user_id")
    if not isinstance(user_id, str) or services.identity.user(user_id) is None:
        body.fail("user_id", say(texts.NO_USER, user=user_id))
    body.check()
    session = services.db.session
    tenant_id = services.tenancy.current().id
    if session.scalar(
        select(Driver.id).where(Driver.tenant_id == tenant_id, Driver.user_id == user_id)
    ):
        raise Conflict(say(texts.DRIVER_TAKEN), {"user_id": [say(texts.DRIVER_TAKEN)]})
    row = Driver(
        tenant_id=tenant_id,
        firm=firm,
        user_id=user_id,
        name=name,
        phone=phone,
        status="offline",
        seats=0,
        active=True,
    )
    session.add(row)
    session.flush()
    services.audit.record("driver.added", str(row.id), None, driver_view(row))
    return driver_view(row)


def drivers(session: Session, tenant_id: int, firm: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Driver)
        .where(Driver.tenant_id == tenant_id, Driver.firm == firm)
        .order_by(Driver.name, Driver.id)
    )
    return [driver_view(r) for r in rows]


def set_active(services: Services, row: Vehicle | Driver, active: Any, what: str) -> None:
    if not isinstance(active, bool):
        raise InvalidInput(say(texts.INVALID), {"active": [say(texts.REQUIRED)]})
    if isinstance(row, Driver) and not active and row.status in ("offered", "busy"):
        raise Conflict(say(texts.BUSY), {"active": [say(texts.BUSY)]})
    if isinstance(row, Vehicle) and not active:
        in_use = services.db.session.scalar(
            select(Driver.id).where(Driver.vehicle_id == row.id, Driver.status != "offline")
        )
        if in_use is not None:
            message = say(texts.VEHICLE_IN_USE, plate=shown_plate(row.plate))
            raise Conflict(message, {"active": [message]})
    before = row.active
    row.active = active
    if isinstance(row, Driver) and not active:
        row.status = "offline"
    services.audit.record(
        f"{what}.{'enabled' if active else 'disabled'}",
        str(row.id),
        {"active": before},
        {"active": active},
    )
