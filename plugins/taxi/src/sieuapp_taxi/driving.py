"""What a driver's app does: go online with a car, send positions often, go offline."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sieuapp.sdk import Services
from sieuapp.sdk.errors import Conflict
from sqlalchemy import select

from . import fleet, rides, texts
from .access import require_location
from .geo import cell_of, distance_m
from .inputs import Body, coordinate
from .models import Driver, Offer, Ride, utcnow
from .texts import say

MAX_POINTS = 100
#: A phone's clock may run a little ahead of ours.
CLOCK_SKEW = timedelta(seconds=30)


def _place(driver: Driver, lat: float, lon: float, at: datetime) -> None:
    driver.lat, driver.lon, driver.cell, driver.position_at = lat, lon, cell_of(lat, lon), at


def go_online(services: Services, driver: Driver) -> None:
    require_location(services.identity.require())
    body = Body({"vehicle_id", "position"})
    position = body.point("position")
    vehicle = fleet.firm_vehicle(
        services.db.session, driver.tenant_id, driver.firm, body.data.get("vehicle_id")
    )
    if vehicle is None or not vehicle.active:
        body.fail("vehicle_id", say(texts.NO_VEHICLE_CHOSEN))
    body.check()
    assert position and vehicle
    if driver.status in ("offered", "busy") and driver.vehicle_id != vehicle.id:
        raise Conflict(say(texts.BUSY), {"vehicle_id": [say(texts.BUSY)]})
    other = services.db.session.scalar(
        select(Driver.id).where(
            Driver.vehicle_id == vehicle.id, Driver.id != driver.id, Driver.status != "offline"
        )
    )
    if other is not None:
        message = say(texts.VEHICLE_IN_USE, plate=fleet.shown_plate(vehicle.plate))
        raise Conflict(message, {"vehicle_id": [message]})
    driver.vehicle_id, driver.seats = vehicle.id, vehicle.seats
    if driver.status == "offline":
        driver.status = "available"
    _place(driver, position[0], position[1], utcnow())


def go_offline(services: Services, driver: Driver) -> None:
    if driver.status == "busy":
        raise Conflict(say(texts.BUSY), {"status": [driver.status]})
    if driver.status == "offered":
        # Going offline with an offer on the screen is a decline: the ride moves on now.
        offer = services.db.session.scalar(
            select(Offer).where(Offer.driver_id == driver.id, Offer.outcome == "pending")
        )
        if offer is not None:
            rides.decline(services, driver, offer.id)
    driver.status, driver.ride_id = "offline", None


def report_positions(services: Services, driver: Driver) -> dict[str, Any]:
    body = Body({"points"})
    raw = body.data.get("points")
    points: list[tuple[float, float, datetime]] = []
    now = utcnow()
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_POINTS:
        body.fail("points", say(texts.POINTS, limit=MAX_POINTS))
        raw = []
    for i, item in enumerate(raw):
        item = item if isinstance(item, dict) else {}
        lat, lon = coordinate(item.get("lat"), 90), coordinate(item.get("lon"), 180)
        if lat is None:
            body.fail(f"points[{i}].lat", say(texts.LATITUDE))
        if lon is None:
            body.fail(f"points[{i}].lon", say(texts.LONGITUDE))
        at = _time(item.get("at"), now)
        if at is None:
            body.fail(f"points[{i}].at", say(texts.AT))
        if lat is not None and lon is not None and at is not None:
            points.append((lat, lon, at))
    body.check()
    if driver.status == "offline":
        raise Conflict(say(texts.OFFLINE), {"status": ["offline"]})
    points.sort(key=lambda p: p[2])
    ride = None
    if driver.status == "busy" and driver.ride_id:
        ride = services.db.session.scalar(
            select(Ride).where(Ride.id == driver.ride_id).with_for_update()
        )
    kept = 0
    for lat, lon, at in points:
        if driver.position_at is not None and at <= driver.position_at:
            continue  # older than what we have: a late retry of a batch already sent
        if ride is not None and ride.state == "on_trip" and driver.lat is not None:
            ride.trip_m += round(distance_m(driver.lat, driver.lon, lat, lon))  # type: ignore[arg-type]
        _place(driver, lat, lon, at)
        kept += 1
    return {"accepted": kept, "status": driver.status}


def _time(raw: Any, now: datetime) -> datetime | None:
    if raw is None:
        return now
    if not isinstance(raw, str):
        return None
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if at.tzinfo is None or at > now + CLOCK_SKEW:
        return None
    return min(at, now)
