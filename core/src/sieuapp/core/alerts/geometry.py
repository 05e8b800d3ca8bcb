"""Whether an alert's area reaches a point or a commune.

CAP writes positions ``lat,lon``; the boundaries are GeoJSON (``[lon, lat]``). Distances are
planar around the point in question (equirectangular), which is well inside a metre at the
size of a province.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from ..reports.geo import EARTH_RADIUS_M, contains, distance_m

#: The geocode ``valueName`` of a Vietnamese administrative unit code (commune, ward, province).
UNIT_GEOCODE = "VN-ADMIN"

Point = tuple[float, float]  # (lat, lon)


def _polygons(area: Any) -> list[list[Point]]:
    return [[(float(p[0]), float(p[1])) for p in ring] for ring in (_get(area, "polygons") or [])]


def _circles(area: Any) -> list[tuple[float, float, float]]:
    return [
        (float(c["lat"]), float(c["lon"]), float(c["radius_km"]))
        for c in (_get(area, "circles") or [])
    ]


def _get(area: Any, name: str) -> Any:
    return area.get(name) if isinstance(area, dict) else getattr(area, name)


def _in_ring(lat: float, lon: float, ring: Sequence[Point]) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        (yi, xi), (yj, xj) = ring[i], ring[j]
        if (yi > lat) != (yj > lat) and lon < xi + (lat - yi) * (xj - xi) / (yj - yi):
            inside = not inside
        j = i
    return inside


def covers_point(area: Any, lat: float, lon: float) -> bool:
    """Whether an ``AlertArea`` (or its dict) holds the point in one of its polygons or
    circles. Geocodes are not shapes: an area of geocodes only covers no point."""
    if any(_in_ring(lat, lon, ring) for ring in _polygons(area)):
        return True
    return any(distance_m(lat, lon, c_lat, c_lon) <= r * 1000 for c_lat, c_lon, r in _circles(area))


def has_shape(area: Any) -> bool:
    return bool(_get(area, "polygons") or _get(area, "circles"))


def bounding_box(area: Any) -> tuple[float, float, float, float] | None:
    """``(min_lat, min_lon, max_lat, max_lon)`` of the area's polygons and circles."""
    lats: list[float] = []
    lons: list[float] = []
    for ring in _polygons(area):
        lats.extend(p[0] for p in ring)
        lons.extend(p[1] for p in ring)
    for c_lat, c_lon, radius_km in _circles(area):
        d_lat = math.degrees(radius_km * 1000 / EARTH_RADIUS_M)
        d_lon = d_lat / max(math.cos(math.radians(c_lat)), 1e-6)
        lats.extend((c_lat - d_lat, c_lat + d_lat))
        lons.extend((c_lon - d_lon, c_lon + d_lon))
    if not lats:
        return None
    return min(lats), min(lons), max(lats), max(lons)


def _outer_rings(geometry: dict[str, Any]) -> list[list[Point]]:
    """The outer rings of a GeoJSON Polygon or MultiPolygon, as ``(lat, lon)``."""
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates") or []
    polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else []
    return [[(float(p[1]), float(p[0])) for p in polygon[0]] for polygon in polygons if polygon]


def _edges(ring: Sequence[Point]) -> Iterable[tuple[Point, Point]]:
    return zip(ring, ring[1:], strict=False)


def _orientation(a: Point, b: Point, c: Point) -> float:
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _segments_cross(p1: Point, p2: Point, q1: Point, q2: Point) -> bool:
    d1, d2 = _orientation(q1, q2, p1), _orientation(q1, q2, p2)
    d3, d4 = _orientation(p1, p2, q1), _orientation(p1, p2, q2)
    # A proper crossing; touching shapes are caught by the point-in-ring tests.
    return d1 * d2 < 0 and d3 * d4 < 0


def _rings_intersect(a: Sequence[Point], b: Sequence[Point]) -> bool:
    if any(_in_ring(lat, lon, b) for lat, lon in a) or any(_in_ring(lat, lon, a) for lat, lon in b):
        return True
    return any(_segments_cross(p1, p2, q1, q2) for p1, p2 in _edges(a) for q1, q2 in _edges(b))


def _metres_to_segment(lat: float, lon: float, a: Point, b: Point) -> float:
    scale = math.radians(1) * EARTH_RADIUS_M
    cos_lat = math.cos(math.radians(lat))

    def xy(p: Point) -> tuple[float, float]:
        return ((p[1] - lon) * scale * cos_lat, (p[0] - lat) * scale)

    (ax, ay), (bx, by) = xy(a), xy(b)
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length))
    return math.hypot(ax + t * dx, ay + t * dy)


def reaches_boundary(area: Any, geometry: dict[str, Any]) -> bool:
    """Whether the area's polygons or circles meet a commune's GeoJSON boundary (holes in the
    boundary are ignored: a commune is reached if its outline is)."""
    outlines = _outer_rings(geometry)
    for ring in _polygons(area):
        if any(_rings_intersect(ring, outline) for outline in outlines):
            return True
    for c_lat, c_lon, radius_km in _circles(area):
        if contains(geometry, c_lat, c_lon):
            return True
        metres = radius_km * 1000
        for outline in outlines:
            if any(_metres_to_segment(c_lat, c_lon, a, b) <= metres for a, b in _edges(outline)):
                return True
    return False
