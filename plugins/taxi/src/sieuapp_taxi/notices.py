"""What riders and drivers are told through the platform's notifications (only those who
granted the plugin the notify scope hear anything; the rest watch the ride's status)."""

from __future__ import annotations

from sieuapp.sdk import Services

from . import texts
from .fleet import shown_plate
from .models import Driver, Offer, Ride, Vehicle


def _plate(services: Services, vehicle_id: int | None) -> str:
    vehicle = services.db.session.get(Vehicle, vehicle_id) if vehicle_id else None
    return shown_plate(vehicle.plate) if vehicle is not None else "?"


def _link(ride: Ride) -> str:
    return f"/m/taxi/rides/{ride.id}"


def offered(services: Services, driver: Driver, offer: Offer, seconds: int) -> None:
    services.notify.send(
        driver.user_id,
        "taxi.offer",
        texts.OFFER_TITLE,
        texts.fill(texts.OFFER_BODY, metres=offer.distance_m, seconds=seconds),
        link="/m/taxi/driver",
        data={"ride_id": offer.ride_id, "offer_id": offer.id},
    )


def assigned(services: Services, ride: Ride, driver: Driver, minutes: int) -> None:
    if ride.rider_id is None:
        return
    services.notify.send(
        ride.rider_id,
        "taxi.driver_assigned",
        texts.ASSIGNED_TITLE,
        texts.fill(
            texts.ASSIGNED_BODY,
            driver=driver.name,
            plate=_plate(services, ride.vehicle_id),
            minutes=minutes,
        ),
        link=_link(ride),
        data={"ride_id": ride.id},
    )


def arrived(services: Services, ride: Ride) -> None:
    if ride.rider_id is None:
        return
    services.notify.send(
        ride.rider_id,
        "taxi.driver_arrived",
        texts.ARRIVED_TITLE,
        texts.fill(texts.ARRIVED_BODY, plate=_plate(services, ride.vehicle_id)),
        link=_link(ride),
        data={"ride_id": ride.id},
    )


def no_driver(services: Services, ride: Ride) -> None:
    if ride.rider_id is None:
        return
    services.notify.send(
        ride.rider_id,
        "taxi.no_driver",
        texts.NO_DRIVER_TITLE,
        texts.NO_DRIVER_BODY,
        link=_link(ride),
        data={"ride_id": ride.id},
    )


def rider_cancelled(services: Services, ride: Ride, driver: Driver) -> None:
    services.notify.send(
        driver.user_id,
        "taxi.cancelled_by_rider",
        texts.RIDER_CANCELLED_TITLE,
        texts.RIDER_CANCELLED_BODY,
        link="/m/taxi/driver",
        data={"ride_id": ride.id},
    )


def driver_cancelled(services: Services, ride: Ride, reason: str) -> None:
    if ride.rider_id is None:
        return
    services.notify.send(
        ride.rider_id,
        "taxi.cancelled",
        texts.CANCELLED_TITLE,
        texts.fill(texts.CANCELLED_BODY, reason=reason),
        link=_link(ride),
        data={"ride_id": ride.id},
    )
