"""Targeting: the units an alert reaches, by geocode, polygon, circle or the whole province."""

from __future__ import annotations

import pytest
from sieuapp.core.alerts.compose import new_draft
from sieuapp.core.alerts.publishing import publish
from sieuapp.core.alerts.targeting import targets_of

from .alerts_support import (
    AN_CUU,
    PHU_XUAN,
    PROVINCE,
    THUAN_HOA,
    VY_DA,
    add_boundaries,
    alert_data,
    square,
)
from .reports_support import tenant_id


def targeted(platform, area: dict) -> set[str]:
    with platform.context() as session:
        hue = tenant_id(session)
        add_boundaries(session, hue)
        alert = new_draft(
            session, hue, alert_data(areas=[{"area_desc": "Vùng", **area}]), created_by=None
        )
        publish(session, alert, None)
        return targets_of(session, alert.id)


@pytest.mark.parametrize(
    ("area", "expected"),
    [
        ({"communes": [PHU_XUAN, AN_CUU]}, {PHU_XUAN, AN_CUU}),
        # Inside Vỹ Dạ only.
        ({"polygons": [square(16.465, 107.525, 0.01)]}, {VY_DA}),
        # Across Phú Xuân and Vỹ Dạ's shared edge, not reaching Thuận Hóa.
        ({"polygons": [square(16.465, 107.515, 0.01)]}, {PHU_XUAN, VY_DA}),
        # A circle around Thuận Hóa's centre wide enough to cross into Vỹ Dạ.
        ({"circles": [{"lat": 16.47, "lon": 107.545, "radius_km": 0.8}]}, {VY_DA, THUAN_HOA}),
        ({"circles": [{"lat": 16.47, "lon": 107.55, "radius_km": 0.3}]}, {THUAN_HOA}),
        # A radius of 0 is a point (CAP's earthquake example): the unit it stands in.
        ({"circles": [{"lat": 16.47, "lon": 107.55, "radius_km": 0}]}, {THUAN_HOA}),
        # Far out at sea: no unit.
        ({"circles": [{"lat": 17.5, "lon": 108.5, "radius_km": 2}]}, set()),
        ({"communes": [PROVINCE, PHU_XUAN]}, {"*"}),
        ({"communes": [AN_CUU], "polygons": [square(16.465, 107.525, 0.01)]}, {AN_CUU, VY_DA}),
    ],
    ids=[
        "geocodes",
        "polygon-inside",
        "polygon-across",
        "circle-across",
        "circle",
        "point",
        "sea",
        "province",
        "mixed",
    ],
)
def test_targets(platform, area, expected):
    assert targeted(platform, area) == expected
