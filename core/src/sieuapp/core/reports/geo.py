"""Where a report is: the ward or commune whose boundary holds a point, and distances."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import UnitBoundary

EARTH_RADIUS_M = 6_371_008.8

Ring = Sequence[Sequence[float]]


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine; ample for "within 100 m")."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _in_ring(lat: float, lon: float, ring: Ring) -> bool:
    # Even-odd ray casting towards +longitude.
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat):
            x_cross = xi + (lat - yi) * (xj - xi) / (yj - yi)
            if lon < x_cross:
                inside = not inside
        j = i
    return inside


def _in_polygon(lat: float, lon: float, rings: Sequence[Ring]) -> bool:
    if not rings or not _in_ring(lat, lon, rings[0]):
        return False
    return not any(_in_ring(lat, lon, hole) for hole in rings[1:])


def contains(geometry: dict[str, Any], lat: float, lon: float) -> bool:
    """Whether a GeoJSON Polygon or MultiPolygon holds the point (holes excluded)."""
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates") or []
    if kind == "Polygon":
        return _in_polygon(lat, lon, coordinates)
    if kind == "MultiPolygon":
        return any(_in_polygon(lat, lon, polygon) for polygon in coordinates)
    return False


def bounding_box(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    """``(min_lat, min_lon, max_lat, max_lon)`` of a valid Polygon or MultiPolygon."""
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    lons = [p[0] for polygon in polygons for ring in polygon for p in ring]
    lats = [p[1] for polygon in polygons for ring in polygon for p in ring]
    return min(lats), min(lons), max(lats), max(lons)


def locate_unit(session: Session, tenant_id: int, lat: float, lon: float) -> str | None:
    """The code of the ward or commune whose boundary holds the point, if the tenant has one."""
    candidates = session.execute(
        select(UnitBoundary.unit_code, UnitBoundary.geometry)
        .where(
            UnitBoundary.tenant_id == tenant_id,
            UnitBoundary.min_lat <= lat,
            UnitBoundary.max_lat >= lat,
            UnitBoundary.min_lon <= lon,
            UnitBoundary.max_lon >= lon,
        )
        .order_by(UnitBoundary.unit_code)
    )
    for unit_code, geometry in candidates:
        if contains(geometry, lat, lon):
            return unit_code
    return None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _ring_problems(ring: Any, where: str) -> list[str]:
    if not isinstance(ring, list):
        return [f"{where}: a ring must be a list of positions"]
    found: list[str] = []
    for k, position in enumerate(ring):
        if (
            not isinstance(position, list)
            or len(position) < 2
            or not all(_number(v) for v in position)
        ):
            found.append(f"{where}[{k}]: a position must be [longitude, latitude] numbers")
            continue
        lon, lat = position[0], position[1]
        if not -180 <= lon <= 180:
            found.append(f"{where}[{k}]: longitude {lon} is outside -180..180")
        if not -90 <= lat <= 90:
            found.append(f"{where}[{k}]: latitude {lat} is outside -90..90")
    if found:
        return found
    if len(ring) < 4:
        found.append(f"{where}: a ring needs at least 4 positions, it has {len(ring)}")
    elif list(ring[0][:2]) != list(ring[-1][:2]):
        found.append(f"{where}: the ring is not closed (first and last positions differ)")
    return found


def _polygon_problems(polygon: Any, where: str) -> list[str]:
    if not isinstance(polygon, list) or not polygon:
        return [f"{where}: a polygon must be a non-empty list of rings"]
    found: list[str] = []
    for r, ring in enumerate(polygon):
        found.extend(_ring_problems(ring, f"{where}[{r}]"))
    return found


def geometry_problems(geojson: Any) -> list[str]:
    """What keeps ``geojson`` from being a usable WGS 84 Polygon or MultiPolygon; empty if none."""
    if not isinstance(geojson, dict):
        return ["geometry: must be a GeoJSON object"]
    kind = geojson.get("type")
    coordinates = geojson.get("coordinates")
    if kind == "Polygon":
        return _polygon_problems(coordinates, "coordinates")
    if kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            return ["coordinates: a MultiPolygon must be a non-empty list of polygons"]
        found: list[str] = []
        for p, polygon in enumerate(coordinates):
            found.extend(_polygon_problems(polygon, f"coordinates[{p}]"))
        return found
    return [f"type: {kind!r} is not Polygon or MultiPolygon"]
