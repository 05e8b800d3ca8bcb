"""Nearest-driver matching on its own, over the plugin's tables in an in-memory SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sieuapp_taxi.geo import cell_of, cells_around, distance_m
from sieuapp_taxi.matching import nearest
from sieuapp_taxi.models import Base, Driver
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

NOW = datetime.now(UTC)
HUE = (16.4637, 107.5909)


@pytest.fixture
def session():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        yield s


def put(session, north_m, east_m=0.0, *, status="available", seats=4, firm="a", age_s=0, tenant=1):
    lat = HUE[0] + north_m / 111_195
    lon = HUE[1] + east_m / 106_700
    driver = Driver(
        tenant_id=tenant,
        firm=firm,
        user_id=f"u{north_m}{east_m}{firm}{seats}{status}",
        name="x",
        phone="0905123456",
        status=status,
        seats=seats,
        lat=lat,
        lon=lon,
        cell=cell_of(lat, lon),
        position_at=NOW - timedelta(seconds=age_s),
    )
    session.add(driver)
    session.flush()
    return driver.id


def find(session, **kw):
    args = {
        "seats": 4,
        "firms": ["a"],
        "radius_m": 3000,
        "fresh_since": NOW - timedelta(seconds=60),
    }
    return [c.driver_id for c in nearest(session, 1, *HUE, **{**args, **kw})]


def test_nearest_first_within_the_radius(session):
    far = put(session, 2500)
    near = put(session, -400, 300)
    put(session, 0, 3500)  # outside
    assert find(session) == [near, far]


def test_only_available_fresh_drivers_of_the_car_size_firm_and_tenant(session):
    ok = put(session, 900)
    put(session, 100, status="busy")
    put(session, 100, status="offered")
    put(session, 100, status="offline")
    put(session, 100, seats=7)
    put(session, 100, firm="b")
    put(session, 100, age_s=120)
    put(session, 100, tenant=2)
    assert find(session) == [ok]
    assert find(session, exclude=[ok]) == []
    assert find(session, firms=[]) == []


def test_cells_cover_the_circle_across_cell_edges():
    # Wherever a point sits in its cell, every point within the radius is in a searched cell.
    for dlat in (0.0, 0.0049, 0.0099):
        lat, lon = 16.46 + dlat, 107.59 + dlat
        cells = set(cells_around(lat, lon, 1500))
        for north in (-1500, 0, 1500):
            for east in (-1500, 0, 1500):
                plat, plon = lat + north / 111_195 * 0.99, lon + east / 106_700 * 0.99
                if distance_m(lat, lon, plat, plon) <= 1500:
                    assert cell_of(plat, plon) in cells


def test_the_near_ring_answers_when_it_holds_enough_and_the_circle_when_not(session):
    close = [put(session, 100 * i) for i in (1, 2, 3)]
    farther = put(session, 1500)
    assert find(session) == close  # three within 500 m: the nearest of all
    assert find(session, limit=4) == [*close, farther]
    assert find(session, exclude=close[:2]) == [close[2], farther]
