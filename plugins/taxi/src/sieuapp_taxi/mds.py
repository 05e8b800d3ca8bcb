"""The province's view of trips in MDS 2.0 (Mobility Data Specification, provider ``/trips``,
mode ``passenger-services``): every trip that ended in one UTC hour, as a regulator's tools
read them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sieuapp.sdk import Services
from sieuapp.sdk.errors import NotFound, PlatformError
from sqlalchemy import select

from . import texts
from .models import Ride, Vehicle, utcnow
from .texts import say

VERSION = "2.0.0"
MEDIA_TYPE = "application/vnd.mds+json;version=2.0"
#: Our namespace for the firms' MDS ``provider_id``: stable per province and firm.
PROVIDER_NAMESPACE = uuid.UUID("5d1f0b8e-7c43-4f0e-9a51-2c6a1e8f3b27")
PAYMENT_TYPE = {"platform": "mobile_app", "cash": "cash"}


class NotAcceptable(PlatformError):
    status = 406
    code = "not_acceptable"


def check_accept(accept: str) -> None:
    """MDS: a client asking for another version of the MDS media type gets 406."""
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if media != "application/vnd.mds+json":
            continue
        versions = [p.split("=", 1)[1].strip() for p in params if p.startswith("version=")]
        if versions and versions[0] != "2.0":
            raise NotAcceptable(
                f"This server speaks MDS 2.0, not {versions[0]}.", {"Accept": [MEDIA_TYPE]}
            )


def provider_id(tenant_slug: str, firm: str) -> str:
    return str(uuid.uuid5(PROVIDER_NAMESPACE, f"{tenant_slug}/{firm}"))


def hour(raw: str | None) -> datetime:
    """``end_time=YYYY-MM-DDTHH``: an hour in UTC that has already ended."""
    # MDS answers a missing or malformed hour with 400 and an hour not yet over with 404.
    try:
        start = datetime.strptime(raw or "", "%Y-%m-%dT%H").replace(tzinfo=UTC)
    except ValueError:
        raise PlatformError(say(texts.END_TIME), {"end_time": [say(texts.END_TIME)]}) from None
    if start + timedelta(hours=1) > utcnow():
        raise NotFound(say(texts.END_TIME), {"end_time": [say(texts.END_TIME)]})
    return start


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def trips(services: Services, start: datetime) -> dict[str, Any]:
    session = services.db.session
    tenant = services.tenancy.current()
    rows = session.scalars(
        select(Ride)
        .where(
            Ride.tenant_id == tenant.id,
            Ride.state == "completed",
            Ride.ended_at >= start,
            Ride.ended_at < start + timedelta(hours=1),
        )
        .order_by(Ride.ended_at, Ride.id)
    ).all()
    devices = {
        v.id: v.device_id
        for v in session.scalars(
            select(Vehicle).where(Vehicle.id.in_({r.vehicle_id for r in rows}))
        )
    }
    return {"version": VERSION, "trips": [_trip(tenant.slug, r, devices) for r in rows]}


def _trip(tenant_slug: str, ride: Ride, devices: dict[int, str]) -> dict[str, Any]:
    assert ride.started_at and ride.ended_at and ride.firm and ride.reserved_at
    attributes: dict[str, Any] = {
        "hail_type": "app",
        "app_name": "sieuapp",
        "passenger_count": ride.passengers,
        "requested_time": _ms(ride.requested_at),
        "quoted_trip_start_time": _ms(ride.quoted_pickup_at or ride.reserved_at),
        "dispatch_time": _ms(ride.reserved_at),
        "requested_trip_start_location": {"lat": ride.pickup_lat, "lng": ride.pickup_lon},
    }
    if ride.driver_id is not None:
        attributes["driver_id"] = str(ride.driver_id)
    if ride.pickup_address:
        attributes["pickup_address"] = ride.pickup_address[:255]
    if ride.dropoff_address:
        attributes["dropoff_address"] = ride.dropoff_address[:255]
    return {
        "provider_id": provider_id(tenant_slug, ride.firm),
        "device_id": devices[ride.vehicle_id],  # type: ignore[index]
        "trip_id": ride.id,
        "trip_type": "private",
        "trip_attributes": attributes,
        "fare_attributes": {
            "payment_type": PAYMENT_TYPE.get(ride.payment_method or "", "no_payment")
            if ride.paid_at is not None
            else "no_payment",
            "fare_type": "meter_fare",
        },
        "start_time": _ms(ride.started_at),
        "end_time": _ms(ride.ended_at),
        "start_location": {"lat": ride.start_lat, "lng": ride.start_lon},
        "end_location": {"lat": ride.end_lat, "lng": ride.end_lon},
        "duration": max(0, round((ride.ended_at - ride.started_at).total_seconds())),
        "distance": ride.trip_m,
        "publication_time": _ms(ride.ended_at),
        "standard_cost": ride.fare,
        # What the customer paid: nothing yet, for a trip not paid.
        **({"actual_cost": ride.fare} if ride.paid_at is not None else {}),
        # ISO 4217: the đồng has no minor unit, so whole đồng are the currency's smallest unit.
        "currency": "VND",
    }
