"""A ride from request to end, in the states of MDS passenger services: requested (looking for
a driver), reserved (a driver accepted and drives to the pickup: MDS ``reservation_start``),
arrived (waiting at the pickup: ``reservation_stop``), on_trip (``trip_start``), completed
(``trip_stop`` and ``trip_end``), or cancelled by the passenger, the driver or the provider
(``passenger_cancellation``, ``driver_cancellation``, ``provider_cancellation``) with a reason."""

from __future__ import annotations

import math
import uuid
from datetime import timedelta
from typing import Any

from sieuapp.sdk import Organization, Services
from sieuapp.sdk.errors import Conflict, InvalidInput, NotFound
from sqlalchemy import select

from . import dispatch, fleet, notices, texts
from .access import firms, require_location
from .geo import distance_m
from .inputs import Body
from .models import Driver, Offer, Ride, Vehicle, utcnow
from .tariffs import DETOUR, SEAT_CLASSES, Fares
from .texts import say

ACTIVE = ("requested", "reserved", "arrived", "on_trip")
PASSENGER_REASONS = (
    "changed_mind",
    "driver_too_far",
    "waited_too_long",
    "booked_by_mistake",
    "other",
)
DRIVER_REASONS = (
    "passenger_no_show",
    "vehicle_problem",
    "unsafe_pickup",
    "passenger_request",
    "other",
)
#: The vehicle state MDS gives each of our ride states.
MDS_VEHICLE_STATE = {
    "requested": "available",
    "reserved": "reserved",
    "arrived": "stopped",
    "on_trip": "on_trip",
    "completed": "available",
    "cancelled": "available",
}
#: Waiting at the pickup is free for this long, then charged by the tariff's minute rate.
FREE_WAITING_S = 180
#: A town speed for the pickup time the rider is quoted.
PICKUP_SPEED_M_PER_S = 20_000 / 3600
LONGEST_RIDE_M = 300_000


def route_estimate_m(pickup: tuple[float, float], dropoff: tuple[float, float]) -> int:
    return round(distance_m(*pickup, *dropoff) * DETOUR)


def _trip_body(
    body: Body,
) -> tuple[tuple[float, float] | None, tuple[float, float] | None, int | None]:
    pickup = body.point("pickup")
    dropoff = body.point("dropoff")
    seats = body.data.get("seats", 4)
    if seats not in SEAT_CLASSES or isinstance(seats, bool):
        body.fail("seats", say(texts.SEATS))
        seats = None
    if pickup and dropoff:
        metres = distance_m(*pickup, *dropoff)
        if metres < 50:
            body.fail("dropoff", say(texts.SAME_PLACE))
        elif metres * DETOUR > LONGEST_RIDE_M:
            body.fail("dropoff", say(texts.TOO_FAR, km=LONGEST_RIDE_M // 1000))
    return pickup, dropoff, seats


def _firm_choice(services: Services, body: Body) -> tuple[str | None, dict[str, Any]]:
    operating = firms(services)
    firm = body.data.get("firm")
    if firm is not None and firm not in operating:
        body.fail("firm", say(texts.NO_FIRM, firm=firm))
    return firm, operating


def estimate(services: Services) -> dict[str, Any]:
    body = Body({"pickup", "dropoff", "seats", "firm"})
    pickup, dropoff, seats = _trip_body(body)
    firm, operating = _firm_choice(services, body)
    body.check()
    assert pickup and dropoff and seats
    metres = route_estimate_m(pickup, dropoff)
    wanted = [firm] if firm else list(operating)
    fares = fleet.tariffs_of(services.db.session, services.tenancy.current().id, wanted, seats)
    options = sorted(
        (
            {
                "firm": code,
                "name": operating[code].name,
                "seats": seats,
                "fare": fares[code].price(metres),
            }
            for code in wanted
            if code in fares
        ),
        key=lambda o: (o["fare"], o["firm"]),
    )
    return {"distance_m": metres, "seats": seats, "currency": "VND", "options": options}


def request_ride(services: Services) -> Ride:
    user = services.identity.require()
    require_location(user)
    body = Body(
        {"pickup", "dropoff", "seats", "firm", "passengers", "pickup_address", "dropoff_address"}
    )
    pickup, dropoff, seats = _trip_body(body)
    firm, operating = _firm_choice(services, body)
    passengers = body.data.get("passengers", 1)
    if seats and (
        isinstance(passengers, bool)
        or not isinstance(passengers, int)
        or not 1 <= passengers <= seats
    ):
        body.fail("passengers", say(texts.PASSENGERS, seats=seats))
    pickup_address = body.text("pickup_address", 300)
    dropoff_address = body.text("dropoff_address", 300)
    session = services.db.session
    tenant_id = services.tenancy.current().id
    if seats and not body.errors:
        wanted = [firm] if firm else list(operating)
        if not fleet.tariffs_of(session, tenant_id, wanted, seats):
            body.fail("seats", say(texts.NO_TARIFF, seats=seats))
    body.check()
    assert pickup and dropoff and seats
    busy = session.scalar(
        select(Ride.id).where(
            Ride.tenant_id == tenant_id, Ride.rider_id == user.id, Ride.state.in_(ACTIVE)
        )
    )
    if busy is not None:
        raise Conflict(say(texts.ACTIVE_RIDE), {"ride_id": [busy]})
    ride = Ride(
        id=str(uuid.uuid4()),
        tenant_id=tenant_id,
        rider_id=user.id,
        firm_wanted=firm,
        seats=seats,
        passengers=passengers,
        pickup_lat=pickup[0],
        pickup_lon=pickup[1],
        pickup_address=pickup_address,
        dropoff_lat=dropoff[0],
        dropoff_lon=dropoff[1],
        dropoff_address=dropoff_address,
        estimate_m=route_estimate_m(pickup, dropoff),
        state="requested",
        requested_at=utcnow(),
        trip_m=0,
        waiting_s=0,
        payment_attempt=0,
    )
    session.add(ride)
    session.flush()
    dispatch.offer_next(services, ride)
    return ride


def rider_ride(services: Services, ride_id: str) -> Ride:
    """One of the caller's rides, locked for the step they take; any other is not found."""
    user = services.identity.require()
    ride = services.db.session.scalar(select(Ride).where(Ride.id == ride_id).with_for_update())
    if ride is None or ride.tenant_id != services.tenancy.current().id or ride.rider_id != user.id:
        raise NotFound(say(texts.NO_RIDE, ride=ride_id))
    dispatch.catch_up(services, ride)
    return ride


def driver_ride(services: Services, driver: Driver, ride_id: str) -> Ride:
    ride = services.db.session.scalar(select(Ride).where(Ride.id == ride_id).with_for_update())
    if ride is None or ride.tenant_id != driver.tenant_id or ride.driver_id != driver.id:
        raise NotFound(say(texts.NO_RIDE, ride=ride_id))
    return ride


def _must_be(ride: Ride, states: tuple[str, ...], action: str) -> None:
    if ride.state not in states:
        message = say(texts.RIDE_STATE, state=ride.state, action=action)
        raise Conflict(message, {"state": [ride.state]})


def _driver_offer(services: Services, driver: Driver, offer_id: int) -> Offer:
    offer = services.db.session.get(Offer, offer_id)
    if offer is None or offer.driver_id != driver.id or offer.outcome != "pending":
        raise NotFound(say(texts.NO_OFFER, offer=offer_id))
    return offer


def accept(services: Services, driver: Driver, offer_id: int) -> Ride:
    session = services.db.session
    offer = _driver_offer(services, driver, offer_id)
    ride = session.scalar(select(Ride).where(Ride.id == offer.ride_id).with_for_update())
    assert ride is not None
    if offer.expires_at <= utcnow() or ride.state != "requested":
        # The next read of the ride (or the offer's task) passes it on: this answer is an
        # error, and what it wrote would be rolled back with it.
        raise Conflict(say(texts.OFFER_GONE), {"offer_id": [say(texts.OFFER_GONE)]})
    if not dispatch.close_offer(session, offer, "accepted"):
        raise Conflict(say(texts.OFFER_GONE), {"offer_id": [say(texts.OFFER_GONE)]})
    now = utcnow()
    driver.status, driver.ride_id = "busy", ride.id
    ride.state, ride.reserved_at = "reserved", now
    ride.firm, ride.driver_id, ride.vehicle_id = driver.firm, driver.id, driver.vehicle_id
    minutes = max(1, math.ceil(offer.distance_m * DETOUR / PICKUP_SPEED_M_PER_S / 60))
    ride.quoted_pickup_at = now + timedelta(minutes=minutes)
    fares = fleet.tariff(session, ride.tenant_id, driver.firm, ride.seats)
    if fares is not None:
        ride.quoted_fare, ride.tariff = fares.price(ride.estimate_m), fares.to_json()
    notices.assigned(services, ride, driver, minutes)
    return ride


def decline(services: Services, driver: Driver, offer_id: int) -> None:
    session = services.db.session
    offer = _driver_offer(services, driver, offer_id)
    ride = session.scalar(select(Ride).where(Ride.id == offer.ride_id).with_for_update())
    assert ride is not None
    if dispatch.close_offer(session, offer, "declined"):
        session.refresh(driver)
        if ride.state == "requested":
            dispatch.offer_next(services, ride)


def arrive(services: Services, driver: Driver, ride: Ride) -> None:
    _must_be(ride, ("reserved",), "arrive")
    ride.state, ride.arrived_at = "arrived", utcnow()
    notices.arrived(services, ride)


def start(services: Services, driver: Driver, ride: Ride) -> None:
    _must_be(ride, ("arrived",), "start")
    now = utcnow()
    assert ride.arrived_at is not None
    ride.state, ride.started_at = "on_trip", now
    ride.waiting_s = max(0, round((now - ride.arrived_at).total_seconds()) - FREE_WAITING_S)
    fresh = (
        driver.lat is not None
        and driver.position_at
        and driver.position_at >= now - timedelta(minutes=2)
    )
    ride.start_lat, ride.start_lon = (
        (driver.lat, driver.lon) if fresh else (ride.pickup_lat, ride.pickup_lon)
    )
    ride.trip_m = 0


def end(services: Services, driver: Driver, ride: Ride) -> None:
    body = Body({"distance_m"})
    meter = body.whole("distance_m", 0, LONGEST_RIDE_M, texts.METRES)
    body.check()
    _must_be(ride, ("on_trip",), "end")
    now = utcnow()
    ride.state, ride.ended_at = "completed", now
    # The meter's reading when the driver gives it; else what their positions add up to; a
    # trip with no positions at all is charged at the estimate, never at nothing.
    ride.trip_m = meter if meter is not None else (ride.trip_m or ride.estimate_m)
    fresh = (
        driver.lat is not None
        and driver.position_at
        and driver.position_at >= now - timedelta(minutes=2)
    )
    ride.end_lat, ride.end_lon = (
        (driver.lat, driver.lon) if fresh else (ride.dropoff_lat, ride.dropoff_lon)
    )
    fares = Fares.from_json(ride.tariff) if ride.tariff else None
    ride.fare = fares.price(ride.trip_m, ride.waiting_s) if fares else ride.quoted_fare
    driver.status, driver.ride_id = "available", None


def driver_cancel(services: Services, driver: Driver, ride: Ride) -> None:
    body = Body({"reason"})
    reason = body.choice("reason", DRIVER_REASONS)
    body.check()
    _must_be(ride, ("reserved", "arrived"), "cancel")
    ride.state, ride.cancelled_by, ride.cancel_reason, ride.ended_at = (
        "cancelled",
        "driver",
        reason,
        utcnow(),
    )
    driver.status, driver.ride_id = "available", None
    notices.driver_cancelled(services, ride, reason or "")


def rider_cancel(services: Services, ride: Ride) -> None:
    body = Body({"reason"})
    reason = body.choice("reason", PASSENGER_REASONS, required=False) or "other"
    body.check()
    _must_be(ride, ("requested", "reserved", "arrived"), "cancel")
    session = services.db.session
    offer = dispatch.pending_offer(session, ride)
    if offer is not None:
        dispatch.close_offer(session, offer, "withdrawn")
    if ride.driver_id is not None:
        dispatch.release(session, ride.driver_id, ride.id)
        driver = session.get(Driver, ride.driver_id)
        if driver is not None:
            notices.rider_cancelled(services, ride, driver)
    ride.state, ride.cancelled_by, ride.cancel_reason, ride.ended_at = (
        "cancelled",
        "passenger",
        reason,
        utcnow(),
    )


def view(
    services: Services,
    ride: Ride,
    *,
    for_rider: bool = True,
    operating: dict[str, Organization] | None = None,
) -> dict[str, Any]:
    """The ride as the rider sees it, or (``for_rider=False``) as its driver and firm do;
    ``operating`` saves a list from asking for the firms once per ride."""
    session = services.db.session
    driver = session.get(Driver, ride.driver_id) if ride.driver_id else None
    vehicle = session.get(Vehicle, ride.vehicle_id) if ride.vehicle_id else None
    operating = firms(services) if operating is None else operating
    shown: dict[str, Any] = {
        "id": ride.id,
        "state": ride.state,
        "mds_vehicle_state": MDS_VEHICLE_STATE[ride.state],
        "cancelled_by": ride.cancelled_by,
        "cancel_reason": ride.cancel_reason,
        "seats": ride.seats,
        "passengers": ride.passengers,
        "pickup": {"lat": ride.pickup_lat, "lon": ride.pickup_lon, "address": ride.pickup_address},
        "dropoff": {
            "lat": ride.dropoff_lat,
            "lon": ride.dropoff_lon,
            "address": ride.dropoff_address,
        },
        "estimate_m": ride.estimate_m,
        "quoted_fare": ride.quoted_fare,
        "fare": ride.fare,
        "distance_m": ride.trip_m if ride.state == "completed" else None,
        "currency": "VND",
        "firm": {
            "code": ride.firm,
            "name": operating[ride.firm].name if ride.firm in operating else ride.firm,
        }
        if ride.firm
        else None,
        "requested_at": _iso(ride.requested_at),
        "reserved_at": _iso(ride.reserved_at),
        "quoted_pickup_at": _iso(ride.quoted_pickup_at),
        "arrived_at": _iso(ride.arrived_at),
        "started_at": _iso(ride.started_at),
        "ended_at": _iso(ride.ended_at),
        "payment": {
            "method": ride.payment_method,
            "payment_id": ride.payment_id,
            "paid": ride.paid_at is not None,
            "paid_at": _iso(ride.paid_at),
        },
        "rating": ride.rating,
        "complaint_report_id": ride.complaint_report_id,
    }
    if driver is not None:
        live = ride.state in ("reserved", "arrived", "on_trip")
        shown["driver"] = {
            "name": driver.name,
            "phone": driver.phone if live else None,
            "plate": fleet.shown_plate(vehicle.plate) if vehicle else None,
            "position": {"lat": driver.lat, "lon": driver.lon, "at": _iso(driver.position_at)}
            if live and driver.lat is not None
            else None,
        }
    else:
        shown["driver"] = None
    if not for_rider and ride.rider_id is not None and ride.state in ("reserved", "arrived"):
        # The rider's phone only if they let the plugin share it (the ``phone`` scope).
        rider = services.identity.user(ride.rider_id)
        shown["rider"] = {"phone": rider.claims.get("phone_number") if rider else None}
    return shown


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def mine(services: Services) -> list[Ride]:
    user = services.identity.require()
    return list(
        services.db.session.scalars(
            select(Ride)
            .where(Ride.tenant_id == services.tenancy.current().id, Ride.rider_id == user.id)
            .order_by(Ride.requested_at.desc())
            .limit(50)
        )
    )


def bad_offer_id(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(say(texts.INVALID), {"offer_id": [say(texts.REQUIRED)]}) from None
