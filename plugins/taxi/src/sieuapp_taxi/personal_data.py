"""What the plugin holds about a person, and forgetting it: rides they took, and their driver
record if a firm registered them."""

from __future__ import annotations

from typing import Any

from sieuapp.sdk import Erasure, Services
from sqlalchemy import select

from . import dispatch
from .models import Driver, Offer, Ride


def _ride(r: Ride) -> dict[str, Any]:
    return {
        "id": r.id,
        "state": r.state,
        "firm": r.firm,
        "pickup": {"lat": r.pickup_lat, "lon": r.pickup_lon, "address": r.pickup_address},
        "dropoff": {"lat": r.dropoff_lat, "lon": r.dropoff_lon, "address": r.dropoff_address},
        "requested_at": r.requested_at.isoformat(),
        "fare": r.fare,
        "rating": r.rating,
        "rating_comment": r.rating_comment,
    }


def export(services: Services, tenant_id: int, user_id: str) -> dict[str, Any]:
    session = services.db.session
    taken = session.scalars(
        select(Ride)
        .where(Ride.tenant_id == tenant_id, Ride.rider_id == user_id)
        .order_by(Ride.requested_at)
    )
    driver = session.scalar(
        select(Driver).where(Driver.tenant_id == tenant_id, Driver.user_id == user_id)
    )
    return {
        "rides": [_ride(r) for r in taken],
        "driver": None
        if driver is None
        else {
            "firm": driver.firm,
            "name": driver.name,
            "phone": driver.phone,
            "status": driver.status,
            "position": None
            if driver.lat is None or driver.position_at is None
            else {"lat": driver.lat, "lon": driver.lon, "at": driver.position_at.isoformat()},
        },
    }


def erase(services: Services, tenant_id: int, user_id: str) -> Erasure:
    session = services.db.session
    rides = session.scalars(
        select(Ride).where(Ride.tenant_id == tenant_id, Ride.rider_id == user_id)
    ).all()
    for ride in rides:
        # The trip stays for the province's transport figures and the firm's accounts, without
        # the rider: no account, no addresses, no words, places rounded to about 100 m.
        ride.rider_id = None
        ride.pickup_address = ride.dropoff_address = ride.rating_comment = None
        ride.pickup_lat, ride.pickup_lon = round(ride.pickup_lat, 3), round(ride.pickup_lon, 3)
        ride.dropoff_lat, ride.dropoff_lon = round(ride.dropoff_lat, 3), round(ride.dropoff_lon, 3)
        if ride.start_lat is not None and ride.start_lon is not None:
            ride.start_lat, ride.start_lon = round(ride.start_lat, 3), round(ride.start_lon, 3)
        if ride.end_lat is not None and ride.end_lon is not None:
            ride.end_lat, ride.end_lon = round(ride.end_lat, 3), round(ride.end_lon, 3)
    driver = session.scalar(
        select(Driver).where(Driver.tenant_id == tenant_id, Driver.user_id == user_id)
    )
    erased, kept = [], {}
    if rides:
        erased.append(
            f"{len(rides)} chuyến đi: địa chỉ, nhận xét / {len(rides)} rides: addresses, comments"
        )
        kept["rides"] = (
            "Chuyến đi (thời gian, cước, vị trí làm tròn ~100 m) được giữ không kèm danh tính cho "
            "thống kê giao thông của tỉnh / Rides (times, fares, places rounded to ~100 m) are "
            "kept without your identity for the province's transport statistics"
        )
    if driver is not None:
        # A ride waiting on this driver's answer goes to the next driver now; past rides keep
        # the driver's number (no name, no phone) for the firm's accounts and MDS.
        for offer in session.scalars(
            select(Offer).where(Offer.driver_id == driver.id, Offer.outcome == "pending")
        ):
            ride = session.get(Ride, offer.ride_id)
            if (
                dispatch.close_offer(session, offer, "withdrawn")
                and ride
                and ride.state == "requested"
            ):
                dispatch.offer_next(services, ride)
        driver.name, driver.phone, driver.active, driver.status = "—", "", False, "offline"
        driver.lat = driver.lon = driver.cell = driver.position_at = None
        erased.append(
            "hồ sơ tài xế: họ tên, số điện thoại, vị trí / driver record: name, phone, position"
        )
    return Erasure(erased=erased, kept=kept)
