"""Open reports of the same kind near a place: offered before submitting, merged by officials."""

from __future__ import annotations

import math

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import geo, lifecycle
from .models import Report

#: Metres in one degree of latitude (and of longitude at the equator), rounded down so the box
#: is never smaller than the circle.
METRES_PER_DEGREE = 111_000.0


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """``(min_lat, max_lat, min_lon, max_lon)`` of a box holding the circle."""
    dlat = radius_m / METRES_PER_DEGREE
    # Near the poles a degree of longitude shrinks to nothing; the box then spans every longitude.
    cos_lat = math.cos(math.radians(lat))
    dlon = 180.0 if cos_lat < 1e-6 else min(180.0, radius_m / (METRES_PER_DEGREE * cos_lat))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def nearby_open(
    session: Session,
    tenant_id: int,
    category_id: int,
    lat: float,
    lon: float,
    radius_m: float,
    exclude_id: int | None = None,
    limit: int = 10,
) -> list[tuple[Report, float]]:
    """Open reports of the category within ``radius_m`` metres, nearest first, with distances.

    The box cuts the candidates in SQL (an index-friendly range on lat/lon); the exact distance
    is then computed only for the few left.
    """
    if radius_m <= 0 or limit <= 0:
        return []
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_m)
    query = select(Report).where(
        Report.tenant_id == tenant_id,
        Report.category_id == category_id,
        Report.status.in_(lifecycle.OPEN_STATES),
        Report.lat.between(min_lat, max_lat),
        Report.lon.is_not(None),
    )
    if min_lon < -180 or max_lon > 180:
        # The box crosses the antimeridian: filter on latitude only, distance does the rest.
        pass
    else:
        query = query.where(Report.lon.between(min_lon, max_lon))
    if exclude_id is not None:
        query = query.where(Report.id != exclude_id)
    found: list[tuple[Report, float]] = []
    for report in session.scalars(query):
        assert report.lat is not None and report.lon is not None
        distance = geo.distance_m(lat, lon, report.lat, report.lon)
        if distance <= radius_m:
            found.append((report, distance))
    found.sort(key=lambda pair: (pair[1], pair[0].id))
    return found[:limit]
