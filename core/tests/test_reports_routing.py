"""Routing a report to its handler, and finding its ward or commune from where it is."""

from __future__ import annotations

import math

import pytest
from flask import g
from hypothesis import given
from hypothesis import strategies as st
from sieuapp.core.reports import geo
from sieuapp.core.reports.catalog import ensure_core_categories, find_category
from sieuapp.core.reports.models import RoutingRule, UnitBoundary
from sieuapp.core.reports.routing import route
from sieuapp.core.tenancy.models import Organization
from sieuapp.core.tenancy.provinces import create_tenant
from sqlalchemy import select

# Wards of the test platform: each of the first five has its committee, An Cựu does not.
PHU_XUAN, VY_DA, THUAN_HOA, AN_CUU = "19768", "19777", "19786", "19815"


@pytest.fixture
def platform(make_platform):
    p = make_platform(plugins=[])
    with p.context() as session:
        ensure_core_categories(session, g.tenant.id)
    return p


def org(session, code: str, tenant_id: int | None = None) -> Organization:
    return session.scalar(
        select(Organization).where(
            Organization.tenant_id == (tenant_id or g.tenant.id), Organization.code == code
        )
    )


def routed(session, category_code: str, unit_code: str | None) -> str | None:
    category = find_category(session, g.tenant.id, category_code)
    org_id = route(session, g.tenant.id, category, unit_code)
    return session.get(Organization, org_id).code if org_id is not None else None


def rule(session, category_code: str, unit_code: str | None, org_code=None, to_commune=False):
    category = find_category(session, g.tenant.id, category_code)
    session.add(
        RoutingRule(
            tenant_id=g.tenant.id,
            category_id=category.id,
            unit_code=unit_code,
            organization_id=org(session, org_code).id if org_code else None,
            to_commune=to_commune,
        )
    )
    session.flush()


# -- routing ------------------------------------------------------------------------------------


def test_a_category_goes_to_its_organization_anywhere(platform):
    with platform.context() as session:
        assert routed(session, "road-damage", PHU_XUAN) == "so-xay-dung"
        assert routed(session, "road-damage", None) == "so-xay-dung"
        assert routed(session, "water-supply", AN_CUU) == "huewaco"


def test_a_commune_category_goes_to_the_committee_of_the_report_s_ward(platform):
    with platform.context() as session:
        assert routed(session, "waste", PHU_XUAN) == f"ubnd-{PHU_XUAN}"
        assert routed(session, "waste", VY_DA) == f"ubnd-{VY_DA}"
        # No committee for this ward, or no ward known: the IOC decides.
        assert routed(session, "waste", AN_CUU) is None
        assert routed(session, "waste", None) is None


def test_a_province_wide_rule_beats_the_category(platform):
    with platform.context() as session:
        rule(session, "road-damage", None, "ubnd-hue")
        assert routed(session, "road-damage", PHU_XUAN) == "ubnd-hue"
        assert routed(session, "road-damage", None) == "ubnd-hue"
        rule(session, "waste", None, "so-nong-nghiep-moi-truong")
        assert routed(session, "waste", PHU_XUAN) == "so-nong-nghiep-moi-truong"


def test_a_unit_rule_beats_the_province_wide_rule(platform):
    with platform.context() as session:
        rule(session, "road-damage", None, "ubnd-hue")
        rule(session, "road-damage", THUAN_HOA, to_commune=True)
        rule(session, "road-damage", VY_DA, "dien-luc-hue")
        assert routed(session, "road-damage", THUAN_HOA) == f"ubnd-{THUAN_HOA}"
        assert routed(session, "road-damage", VY_DA) == "dien-luc-hue"
        assert routed(session, "road-damage", PHU_XUAN) == "ubnd-hue"


def test_a_rule_naming_nobody_leaves_the_report_to_the_ioc(platform):
    with platform.context() as session:
        rule(session, "public-order", VY_DA)
        assert routed(session, "public-order", VY_DA) is None
        assert routed(session, "public-order", PHU_XUAN) == "cong-an-hue"


def test_inactive_organizations_are_passed_over(platform):
    with platform.context() as session:
        rule(session, "road-damage", VY_DA, "dien-luc-hue")
        rule(session, "road-damage", None, "ubnd-hue")
        org(session, "dien-luc-hue").active = False
        session.flush()
        assert routed(session, "road-damage", VY_DA) == "ubnd-hue"
        org(session, "ubnd-hue").active = False
        session.flush()
        assert routed(session, "road-damage", VY_DA) == "so-xay-dung"
        org(session, "so-xay-dung").active = False
        session.flush()
        assert routed(session, "road-damage", VY_DA) is None
        org(session, f"ubnd-{PHU_XUAN}").active = False
        session.flush()
        assert routed(session, "waste", PHU_XUAN) is None


def test_a_to_commune_rule_without_a_committee_falls_through(platform):
    with platform.context() as session:
        rule(session, "noise", AN_CUU, to_commune=True)
        rule(session, "noise", None, "so-y-te")
        assert routed(session, "noise", AN_CUU) == "so-y-te"


def test_another_province_s_organizations_are_never_chosen(platform):
    with platform.context() as session:
        danang = create_tenant(session, "danang", 48)
        foreign = Organization(tenant_id=danang.id, code="so-xay-dung", kind="agency", name="S")
        session.add(foreign)
        session.flush()
        # Even a corrupt pointer at another tenant's organization is not followed.
        category = find_category(session, g.tenant.id, "trees")
        category.organization_id = foreign.id
        session.flush()
        assert route(session, g.tenant.id, category, PHU_XUAN) is None
        danang_waste = find_category(session, danang.id, "waste")
        assert route(session, danang.id, danang_waste, PHU_XUAN) is None


# -- geometry -----------------------------------------------------------------------------------


def square(lon: float, lat: float, size: float) -> list[list[float]]:
    return [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]


def polygon(*rings: list[list[float]]) -> dict:
    return {"type": "Polygon", "coordinates": list(rings)}


def add_boundary(session, code: str, geometry: dict, tenant_id: int | None = None) -> None:
    min_lat, min_lon, max_lat, max_lon = geo.bounding_box(geometry)
    session.add(
        UnitBoundary(
            tenant_id=tenant_id or g.tenant.id,
            unit_code=code,
            geometry=geometry,
            min_lat=min_lat,
            min_lon=min_lon,
            max_lat=max_lat,
            max_lon=max_lon,
        )
    )
    session.flush()


def test_contains_handles_holes_and_multipolygons():
    donut = polygon(square(107.0, 16.0, 1.0), square(107.25, 16.25, 0.5))
    assert geo.contains(donut, 16.1, 107.1)
    assert not geo.contains(donut, 16.5, 107.5)
    assert not geo.contains(donut, 17.5, 107.5)
    islands = {
        "type": "MultiPolygon",
        "coordinates": [[square(107.0, 16.0, 0.1)], [square(108.0, 16.0, 0.1)]],
    }
    assert geo.contains(islands, 16.05, 108.05)
    assert geo.contains(islands, 16.05, 107.05)
    assert not geo.contains(islands, 16.05, 107.5)
    assert not geo.contains({"type": "Point", "coordinates": [107, 16]}, 16, 107)


def test_contains_a_concave_outline():
    # An L: the notch is inside the bounding box but outside the outline.
    ell = polygon([[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2], [0, 0]])
    assert geo.contains(ell, 0.5, 0.5)
    assert geo.contains(ell, 1.5, 0.5)
    assert geo.contains(ell, 0.5, 1.5)
    assert not geo.contains(ell, 1.5, 1.5)


@given(
    st.floats(-179, 179),
    st.floats(-89, 89),
    st.floats(0.001, 0.5),
    st.floats(-0.6, 0.6),
    st.floats(-0.6, 0.6),
)
def test_contains_agrees_with_a_rectangle_test(lon, lat, size, dx, dy):
    ring = square(lon, lat, size)
    plon, plat = lon + dx, lat + dy
    expected = lon < plon < lon + size and lat < plat < lat + size
    edges = (lon, lon + size, lat, lat + size)
    if any(math.isclose(v, w, abs_tol=1e-9) for v in (plon, plat) for w in edges):
        return
    assert geo.contains(polygon(ring), plat, plon) == expected


def test_locate_unit_finds_the_ward_holding_the_point(platform):
    with platform.context() as session:
        add_boundary(session, PHU_XUAN, polygon(square(107.56, 16.46, 0.02)))
        # Vỹ Dạ's box overlaps Phú Xuân's; only its outline decides.
        add_boundary(
            session,
            VY_DA,
            polygon([[107.57, 16.47], [107.62, 16.47], [107.62, 16.52], [107.57, 16.47]]),
        )
        add_boundary(
            session,
            THUAN_HOA,
            {
                "type": "MultiPolygon",
                "coordinates": [
                    [square(107.58, 16.40, 0.02), square(107.585, 16.405, 0.005)],
                    [square(107.70, 16.40, 0.01)],
                ],
            },
        )
        tenant_id = g.tenant.id
        assert geo.locate_unit(session, tenant_id, 16.465, 107.565) == PHU_XUAN
        assert geo.locate_unit(session, tenant_id, 16.475, 107.575) == PHU_XUAN
        assert geo.locate_unit(session, tenant_id, 16.49, 107.61) == VY_DA
        # In the bounding boxes, but off the triangle and outside Phú Xuân's square.
        assert geo.locate_unit(session, tenant_id, 16.51, 107.58) is None
        assert geo.locate_unit(session, tenant_id, 16.405, 107.705) == THUAN_HOA
        assert geo.locate_unit(session, tenant_id, 16.415, 107.595) == THUAN_HOA
        assert geo.locate_unit(session, tenant_id, 16.407, 107.587) is None  # the hole
        assert geo.locate_unit(session, tenant_id, 10.0, 106.0) is None


def test_locate_unit_reads_only_the_tenant_s_boundaries(platform):
    with platform.context() as session:
        danang = create_tenant(session, "danang", 48)
        add_boundary(session, "20194", polygon(square(107.56, 16.46, 0.02)), danang.id)
        assert geo.locate_unit(session, g.tenant.id, 16.465, 107.565) is None
        assert geo.locate_unit(session, danang.id, 16.465, 107.565) == "20194"


def test_distance():
    assert geo.distance_m(16.4637, 107.5909, 16.4637, 107.5909) == 0
    one_degree = geo.distance_m(16.0, 107.0, 17.0, 107.0)
    assert one_degree == pytest.approx(111_195, rel=1e-3)
    # Ngọ Môn to the north end of Trường Tiền bridge, about 1.8 km as the crow flies.
    assert geo.distance_m(16.4674, 107.5786, 16.4665, 107.5951) == pytest.approx(1760, rel=0.05)
    assert geo.distance_m(0, 179.9, 0, -179.9) == pytest.approx(22_239, rel=1e-3)


@given(st.floats(-89, 89), st.floats(-180, 180), st.floats(-89, 89), st.floats(-180, 180))
def test_distance_is_a_symmetric_bounded_measure(lat1, lon1, lat2, lon2):
    d = geo.distance_m(lat1, lon1, lat2, lon2)
    assert d == pytest.approx(geo.distance_m(lat2, lon2, lat1, lon1), abs=1e-6)
    assert 0 <= d <= math.pi * geo.EARTH_RADIUS_M + 1e-6


@pytest.mark.parametrize(
    ("geometry", "expected"),
    [
        (None, "geometry: must be a GeoJSON object"),
        ({"type": "Point", "coordinates": [1, 2]}, "type: 'Point' is not Polygon or MultiPolygon"),
        (polygon(), "coordinates: a polygon must be a non-empty list of rings"),
        (
            polygon([[0, 0], [1, 0], [1, 1], [0, 0.5]]),
            "coordinates[0]: the ring is not closed (first and last positions differ)",
        ),
        (
            polygon([[0, 0], [1, 0], [0, 0]]),
            "coordinates[0]: a ring needs at least 4 positions, it has 3",
        ),
        (
            polygon([[0, 0], [181, 0], [1, 1], [0, 0]]),
            "coordinates[0][1]: longitude 181 is outside -180..180",
        ),
        (
            polygon([[0, 0], [1, -91], [1, 1], [0, 0]]),
            "coordinates[0][1]: latitude -91 is outside -90..90",
        ),
        (
            polygon([[0, 0], [1, "a"], [1, 1], [0, 0]]),
            "coordinates[0][1]: a position must be [longitude, latitude] numbers",
        ),
        (
            polygon([[0, 0], [True, 1], [1, 1], [0, 0]]),
            "coordinates[0][1]: a position must be [longitude, latitude] numbers",
        ),
        (
            polygon([[0, 0], [float("nan"), 1], [1, 1], [0, 0]]),
            "coordinates[0][1]: a position must be [longitude, latitude] numbers",
        ),
        (
            {"type": "MultiPolygon", "coordinates": []},
            "coordinates: a MultiPolygon must be a non-empty list of polygons",
        ),
        (
            {"type": "MultiPolygon", "coordinates": [[square(0, 0, 1)], [[[0, 0], [1, 1]]]]},
            "coordinates[1][0]: a ring needs at least 4 positions, it has 2",
        ),
        (polygon("ring"), "coordinates[0]: a ring must be a list of positions"),
    ],
)
def test_geometry_problems_name_the_position(geometry, expected):
    assert expected in geo.geometry_problems(geometry)


def test_valid_geometries_have_no_problems():
    assert geo.geometry_problems(polygon(square(107, 16, 1), square(107.2, 16.2, 0.1))) == []
    multi = {"type": "MultiPolygon", "coordinates": [[square(107, 16, 1)], [square(108, 16, 1)]]}
    assert geo.geometry_problems(multi) == []
    # A third coordinate (altitude) is allowed by GeoJSON.
    assert geo.geometry_problems(polygon([[0, 0, 5], [1, 0, 5], [1, 1, 5], [0, 0, 5]])) == []
