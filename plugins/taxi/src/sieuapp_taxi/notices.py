"""What riders and drivers are told through the platform's notifications (only those who
granted the plugin the notify scope hear anything; the rest watch the ride's status)."""

from __future__ import annotations

from sieuapp.sdk import LocalizedText, Services

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


def _to_rider(
    services: Services, ride: Ride, kind: str, title: LocalizedText, body: LocalizedText
) -> None:
    """Tell the ride's rider (none once their data was erased), linking to the ride."""
    if ride.rider_id is not None:
        services.notify.send(
            ride.rider_id, kind, title, body, link=_link(ride), data={"ride_id": ride.id}
        )


def assigned(services: Services, ride: Ride, driver: Driver, minutes: int) -> None:
    plate = _plate(services, ride.vehicle_id)
    body = texts.fill(texts.ASSIGNED_BODY, driver=driver.name, plate=plate, minutes=minutes)
    _to_rider(services, ride, "taxi.driver_assigned", texts.ASSIGNED_TITLE, body)


def arrived(services: Services, ride: Ride) -> None:
    body = texts.fill(texts.ARRIVED_BODY, plate=_plate(services, ride.vehicle_id))
    _to_rider(services, ride, "taxi.driver_arrived", texts.ARRIVED_TITLE, body)


def no_driver(services: Services, ride: Ride) -> None:
    _to_rider(services, ride, "taxi.no_driver", texts.NO_DRIVER_TITLE, texts.NO_DRIVER_BODY)


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
    body = texts.fill(texts.CANCELLED_BODY, reason=reason)
    _to_rider(services, ride, "taxi.cancelled", texts.CANCELLED_TITLE, body)
