"""Distances on the earth and the grid that makes nearest-driver matching a few index lookups."""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8
#: Grid cells of 0.01 degree (about 1.1 km): a driver's cell is stored with their position, and
#: a search reads the cells its circle touches instead of every driver of the province.
CELL_DEGREES = 0.01
_PER_DEGREE = round(1 / CELL_DEGREES)
_LON_CELLS = 360 * _PER_DEGREE
METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _row_col(lat: float, lon: float) -> tuple[int, int]:
    return math.floor((lat + 90) * _PER_DEGREE), math.floor((lon + 180) * _PER_DEGREE) % _LON_CELLS


def cell_of(lat: float, lon: float) -> int:
    row, col = _row_col(lat, lon)
    return row * _LON_CELLS + col


def cells_around(lat: float, lon: float, radius_m: float) -> list[int]:
    """Every cell a circle of ``radius_m`` around the point touches (a superset: the corners
    of the bounding square are read too, and filtered by distance afterwards)."""
    dlat = radius_m / METRES_PER_DEGREE
    # Near the poles a degree of longitude shrinks to nothing; Vietnam is nowhere near them.
    dlon = radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    row0, col0 = _row_col(max(lat - dlat, -90), lon - dlon)
    row1, col1 = _row_col(min(lat + dlat, 89.999999), lon + dlon)
    cols = range(col0, col1 + 1) if col0 <= col1 else [*range(col0, _LON_CELLS), *range(col1 + 1)]
    return [row * _LON_CELLS + col for row in range(row0, row1 + 1) for col in cols]
