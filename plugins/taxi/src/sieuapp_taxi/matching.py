"""Nearest-driver matching: the available drivers with a fresh position in the grid cells
around the pickup, nearest first. An indexed query over a few cells (a near ring, then the
whole circle if need be); no table scan however many drivers are online (see bench/)."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .geo import cells_around, distance_m
from .models import Driver

#: The near ring searched first; the whole radius asked for only when it holds too few.
FIRST_RING_M = 500.0


@dataclass(frozen=True)
class Candidate:
    driver_id: int
    distance_m: float


def nearest(
    session: Session,
    tenant_id: int,
    lat: float,
    lon: float,
    *,
    seats: int,
    firms: Collection[str],
    radius_m: float,
    fresh_since: datetime,
    exclude: Collection[int] = (),
    limit: int = 3,
) -> list[Candidate]:
    """Up to ``limit`` available drivers of ``firms`` with a ``seats`` car, whose position is
    newer than ``fresh_since`` and within ``radius_m`` of the point, nearest first."""
    if not firms:
        return []
    # A near ring first: in a busy centre the first few hundred metres hold enough drivers,
    # and a ring holds every driver within it, so the nearest found there are the nearest of
    # all. Otherwise the whole circle, at once: where drivers are few, more rings would only
    # cost more queries.
    for ring in (min(FIRST_RING_M, radius_m), radius_m):
        found = _within(
            session, tenant_id, lat, lon, seats, firms, ring, fresh_since, exclude, limit
        )
        if len(found) >= limit or ring >= radius_m:
            break
    return found


def _within(
    session: Session,
    tenant_id: int,
    lat: float,
    lon: float,
    seats: int,
    firms: Collection[str],
    radius_m: float,
    fresh_since: datetime,
    exclude: Collection[int],
    limit: int,
) -> list[Candidate]:
    # The database orders by a flat-earth distance (exact enough over a few km) and returns a
    # few rows; the exact great-circle distance then decides among them.
    squeeze = math.cos(math.radians(lat))
    flat = (Driver.lat - lat) * (Driver.lat - lat) + (Driver.lon - lon) * (Driver.lon - lon) * (
        squeeze * squeeze
    )
    condition = [
        Driver.tenant_id == tenant_id,
        Driver.status == "available",
        Driver.seats == seats,
        Driver.cell.in_(cells_around(lat, lon, radius_m)),
        Driver.position_at >= fresh_since,
        Driver.firm.in_(list(firms)),
        Driver.active.is_(True),
    ]
    if exclude:
        condition.append(Driver.id.not_in(list(exclude)))
    rows = session.execute(
        select(Driver.id, Driver.lat, Driver.lon).where(*condition).order_by(flat).limit(limit * 2)
    ).all()
    found = [
        Candidate(driver_id, d)
        for driver_id, dlat, dlon in rows
        if (d := distance_m(lat, lon, dlat, dlon)) <= radius_m
    ]
    found.sort(key=lambda c: (c.distance_m, c.driver_id))
    return found[:limit]
