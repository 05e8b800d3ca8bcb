"""Offering a ride to drivers in turn: the nearest available one first; a decline, or no
answer before the offer's timeout, passes it to the next nearest. A driver is claimed with a
conditional update, so two rides asked at once can never both get the same driver."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sieuapp.sdk import Services
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import fleet, notices
from .access import firms, settings
from .matching import nearest
from .models import Driver, Offer, Ride, utcnow

TIMEOUT_TASK = "offer_timeout"


def _claim(session: Session, driver_id: int, ride_id: str) -> bool:
    result = session.execute(
        update(Driver)
        .where(Driver.id == driver_id, Driver.status == "available")
        .values(status="offered", ride_id=ride_id)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def offer_next(services: Services, ride: Ride) -> Offer | None:
    """Offer ``ride`` to the nearest driver not yet asked; when nobody is left (or the
    province's limit of offers is reached), the ride is cancelled as no driver was found."""
    session = services.db.session
    config = settings(services)
    asked = set(session.scalars(select(Offer.driver_id).where(Offer.ride_id == ride.id)))
    operating = list(firms(services))
    wanted = [ride.firm_wanted] if ride.firm_wanted else operating
    now = utcnow()
    # Only firms with fares for this car size: a ride is never given to a firm that could not
    # price it.
    pricing = list(
        fleet.tariffs_of(session, ride.tenant_id, [f for f in wanted if f in operating], ride.seats)
    )
    tried = set(asked)
    searching = len(asked) < config["max_offers"]
    while searching:
        candidates = nearest(
            session,
            ride.tenant_id,
            ride.pickup_lat,
            ride.pickup_lon,
            seats=ride.seats,
            firms=pricing,
            radius_m=config["search_radius_m"],
            fresh_since=now - timedelta(seconds=config["position_max_age_seconds"]),
            exclude=tried,
        )
        searching = bool(candidates)
        for candidate in candidates:
            if not _claim(session, candidate.driver_id, ride.id):
                # Taken by another ride since the query: the next one, and when all of these
                # were taken, the next nearest beyond them.
                tried.add(candidate.driver_id)
                continue
            offer = Offer(
                tenant_id=ride.tenant_id,
                ride_id=ride.id,
                driver_id=candidate.driver_id,
                distance_m=round(candidate.distance_m),
                offered_at=now,
                expires_at=now + timedelta(seconds=config["offer_timeout_seconds"]),
                outcome="pending",
            )
            session.add(offer)
            session.flush()
            services.tasks.enqueue(
                TIMEOUT_TASK,
                {"ride_id": ride.id, "offer_id": offer.id},
                delay=config["offer_timeout_seconds"],
            )
            driver = session.get(Driver, candidate.driver_id)
            assert driver is not None
            notices.offered(services, driver, offer, config["offer_timeout_seconds"])
            return offer
    ride.state, ride.cancelled_by, ride.cancel_reason = (
        "cancelled",
        "provider",
        "no_driver_available",
    )
    ride.ended_at = now
    notices.no_driver(services, ride)
    return None


def pending_offer(session: Session, ride: Ride) -> Offer | None:
    return session.scalar(select(Offer).where(Offer.ride_id == ride.id, Offer.outcome == "pending"))


def release(session: Session, driver_id: int, ride_id: str) -> None:
    """The driver is free again (if this ride still held them)."""
    session.execute(
        update(Driver)
        .where(Driver.id == driver_id, Driver.ride_id == ride_id)
        .values(status="available", ride_id=None)
    )


def close_offer(
    session: Session, offer: Offer, outcome: str, *, only_expired: bool = False
) -> bool:
    """Answer a pending offer once: True when this call did it."""
    now = utcnow()
    condition = [Offer.id == offer.id, Offer.outcome == "pending"]
    if only_expired:
        condition.append(Offer.expires_at <= now)
    done = session.execute(update(Offer).where(*condition).values(outcome=outcome, answered_at=now))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(offer)
    if outcome != "accepted":
        release(session, offer.driver_id, offer.ride_id)
    return True


def catch_up(services: Services, ride: Ride) -> None:
    """Fall through an offer whose time ran out: the task does it on time, and any read of the
    ride does it too, so a late worker never leaves a rider waiting on a silent driver."""
    if ride.state != "requested":
        return
    offer = pending_offer(services.db.session, ride)
    if (
        offer is not None
        and offer.expires_at <= utcnow()
        and close_offer(services.db.session, offer, "expired", only_expired=True)
    ):
        offer_next(services, ride)


def on_timeout(payload: dict[str, Any], services: Services) -> None:
    """The task queued with each offer, due when it expires."""
    session = services.db.session
    ride = session.scalar(select(Ride).where(Ride.id == payload.get("ride_id")).with_for_update())
    if ride is not None and ride.tenant_id == services.tenancy.current().id:
        catch_up(services, ride)
