"""The core report catalog: realistic Huế categories, seeded once per tenant, never overwriting
what an admin changed; the public list citizens choose from."""

from __future__ import annotations

import pytest
from flask import g
from sieuapp.core.audit.log import record
from sieuapp.core.reports.catalog import (
    CORE_CATALOG,
    CORE_CODES,
    catalog_problems,
    category_attributes,
    ensure_core_categories,
    find_category,
    keyword_list,
)
from sieuapp.core.reports.models import ReportAttribute, ReportCategory
from sieuapp.core.tenancy.models import Organization, Tenant
from sieuapp.core.tenancy.provinces import create_tenant
from sieuapp.core.tenancy.seed import HUE_ORGANIZATIONS
from sieuapp.sdk._reports import DATATYPES
from sqlalchemy import delete, func, select

EN = {"Accept-Language": "en"}


@pytest.fixture
def platform(make_platform):
    p = make_platform(plugins=[])
    # The tenant is created before its organizations: a second pass gives categories theirs.
    with p.context() as session:
        ensure_core_categories(session, g.tenant.id)
    return p


def categories(session, tenant_id: int) -> dict[str, ReportCategory]:
    rows = session.scalars(select(ReportCategory).where(ReportCategory.tenant_id == tenant_id))
    return {c.code: c for c in rows}


def org_codes(session, tenant_id: int) -> dict[int, str]:
    rows = session.execute(
        select(Organization.id, Organization.code).where(Organization.tenant_id == tenant_id)
    )
    return dict(rows.all())


# -- the catalog itself -------------------------------------------------------------------------


def test_the_catalog_is_valid_and_covers_every_open311_datatype():
    assert catalog_problems() == []
    assert len(CORE_CATALOG) >= 10
    datatypes = {q.datatype for c in CORE_CATALOG for q in c.spec.questions}
    assert datatypes == set(DATATYPES)
    assert any(not q.variable for c in CORE_CATALOG for q in c.spec.questions)
    assert any(c.route_to_commune for c in CORE_CATALOG)


def test_every_handling_organization_is_a_hue_organization():
    known = {code for code, *_ in HUE_ORGANIZATIONS}
    named = {c.spec.organization for c in CORE_CATALOG if c.spec.organization}
    assert named <= known
    for entry in CORE_CATALOG:
        # A category routed to communes has no agency as well: the committee is the handler.
        assert not (entry.route_to_commune and entry.spec.organization)
        assert entry.spec.name.vi != entry.spec.name.en
        assert entry.spec.group is not None
        assert 0 < entry.reminder_days < entry.spec.deadline_days


# -- seeding ------------------------------------------------------------------------------------


def test_the_seeded_tenant_has_the_catalog_with_its_organizations(platform):
    with platform.context() as session:
        tenant_id = g.tenant.id
        found = categories(session, tenant_id)
        orgs = org_codes(session, tenant_id)
        assert set(found) == CORE_CODES
        for entry in CORE_CATALOG:
            category = found[entry.spec.code]
            assert category.source == "core"
            assert orgs.get(category.organization_id) == entry.spec.organization
            assert category.route_to_commune == entry.route_to_commune
            assert category.deadline_days == entry.spec.deadline_days
            assert category.duplicate_radius_m == entry.spec.duplicate_radius_m
            attributes = category_attributes(session, category.id)
            assert [a.code for a in attributes] == [q.code for q in entry.spec.questions]
            assert [a.order for a in attributes] == list(range(1, len(attributes) + 1))
        road = found["road-damage"]
        assert "o ga" in road.search_name and "pothole" in road.search_name
        assert "ổ gà" in keyword_list(road.keywords)
        severity = category_attributes(session, road.id)[0]
        assert severity.values[0] == {
            "key": "low",
            "name": "Nhẹ, chưa ảnh hưởng đi lại",
            "name_en": "Minor, traffic unaffected",
        }


def test_seeding_again_changes_nothing(platform):
    with platform.context() as session:
        tenant_id = g.tenant.id
        before = session.scalar(select(func.count()).select_from(ReportAttribute))
        assert ensure_core_categories(session, tenant_id) == 0
        assert ensure_core_categories(session, tenant_id) == 0
        assert len(categories(session, tenant_id)) == len(CORE_CATALOG)
        assert session.scalar(select(func.count()).select_from(ReportAttribute)) == before


def test_seeding_adds_only_missing_codes_and_keeps_admin_edits(platform):
    with platform.context() as session:
        tenant_id = g.tenant.id
        found = categories(session, tenant_id)
        found["noise"].name = "Tiếng ồn (đã sửa)"
        found["noise"].deadline_days = 9
        found["road-damage"].organization_id = None
        record(
            session,
            "report_category.updated",
            tenant_id=tenant_id,
            target="report_category:road-damage",
        )
        session.execute(delete(ReportCategory).where(ReportCategory.id == found["trees"].id))
        session.flush()
        assert ensure_core_categories(session, tenant_id) == 1
        found = categories(session, tenant_id)
        assert found["noise"].name == "Tiếng ồn (đã sửa)"
        assert found["noise"].deadline_days == 9
        # The admin sent road damage to the IOC: seeding must not take that back.
        assert found["road-damage"].organization_id is None
        assert "trees" in found
        assert len(category_attributes(session, found["trees"].id)) == 2


def test_a_code_a_plugin_took_is_left_to_the_plugin(platform):
    with platform.context() as session:
        tenant_id = g.tenant.id
        found = categories(session, tenant_id)
        session.delete(found["noise"])
        session.flush()
        session.add(
            ReportCategory(
                tenant_id=tenant_id, code="noise", source="karaoke-watch", name="Ồn", name_en="N"
            )
        )
        session.flush()
        assert ensure_core_categories(session, tenant_id) == 0
        assert categories(session, tenant_id)["noise"].source == "karaoke-watch"


def test_a_new_province_without_organizations_routes_everything_to_the_ioc(platform):
    with platform.context() as session:
        danang = create_tenant(session, "danang", 48)
        found = categories(session, danang.id)
        assert set(found) == CORE_CODES
        assert all(c.organization_id is None for c in found.values())
        assert found["waste"].route_to_commune
        hue_ids = {c.id for c in categories(session, g.tenant.id).values()}
        assert hue_ids.isdisjoint(c.id for c in found.values())


def test_an_organization_a_tenant_lacks_leaves_that_category_to_the_ioc(platform):
    with platform.context() as session:
        tenant = create_tenant(session, "danang", 48)
        session.add(Organization(tenant_id=tenant.id, code="so-xay-dung", kind="agency", name="S"))
        session.add(
            Organization(
                tenant_id=tenant.id, code="huewaco", kind="partner", name="H", active=False
            )
        )
        session.flush()
        assert ensure_core_categories(session, tenant.id) == 4
        found = categories(session, tenant.id)
        orgs = org_codes(session, tenant.id)
        assert orgs[found["road-damage"].organization_id] == "so-xay-dung"
        assert found["water-supply"].organization_id is None
        assert found["public-order"].organization_id is None


def test_find_category_respects_tenant_and_activity(platform):
    with platform.context() as session:
        tenant_id = g.tenant.id
        danang = create_tenant(session, "danang", 48)
        hue_noise = find_category(session, tenant_id, "noise")
        assert hue_noise is not None and hue_noise.tenant_id == tenant_id
        assert find_category(session, danang.id, "noise").tenant_id == danang.id
        hue_noise.active = False
        session.flush()
        assert find_category(session, tenant_id, "noise") is None
        assert find_category(session, tenant_id, "noise", active_only=False) is hue_noise
        assert find_category(session, tenant_id, "no-such-thing", active_only=False) is None


# -- the public list ----------------------------------------------------------------------------


def test_citizens_list_the_categories_in_their_language(platform):
    client = platform.client()
    vi = client.get("/api/v1/reports/categories")
    en = client.get("/api/v1/reports/categories", headers=EN)
    assert vi.status_code == en.status_code == 200
    assert {c["code"] for c in vi.json} == CORE_CODES
    road_vi = next(c for c in vi.json if c["code"] == "road-damage")
    road_en = next(c for c in en.json if c["code"] == "road-damage")
    assert road_vi["name"] == road_vi["name_vi"] == "Hư hỏng mặt đường, ổ gà"
    assert road_en["name"] == road_en["name_en"] == "Road damage and potholes"
    assert road_en["name_vi"] == "Hư hỏng mặt đường, ổ gà"
    assert road_en["group"] == "Urban infrastructure"
    assert road_vi["group"] == "Hạ tầng đô thị"
    severity = road_en["questions"][0]
    assert severity["description"] == "How dangerous is it?"
    assert severity["description_vi"] == "Mức độ nguy hiểm"
    assert severity["values"][2] == {
        "key": "high",
        "name": "Dangerous, may cause accidents",
        "name_vi": "Nguy hiểm, dễ gây tai nạn",
        "name_en": "Dangerous, may cause accidents",
    }
    datatypes = {q["datatype"] for c in vi.json for q in c["questions"]}
    assert datatypes == set(DATATYPES)


def test_one_category_and_its_absence(platform):
    client = platform.client()
    one = client.get("/api/v1/reports/categories/flooding", headers=EN)
    assert one.status_code == 200
    assert [q["code"] for q in one.json["questions"]] == ["depth_cm", "since"]
    assert one.json["questions"][1]["datatype"] == "datetime"
    missing = client.get("/api/v1/reports/categories/volcano")
    assert missing.status_code == 404
    assert missing.json["code"] == "not_found"


def test_inactive_categories_are_not_offered(platform):
    with platform.context() as session:
        categories(session, g.tenant.id)["noise"].active = False
    client = platform.client()
    codes = {c["code"] for c in client.get("/api/v1/reports/categories").json}
    assert "noise" not in codes and len(codes) == len(CORE_CODES) - 1
    assert client.get("/api/v1/reports/categories/noise").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [("ngap", "flooding"), ("NGẬP", "flooding"), ("o ga", "road-damage"), ("karaoke", "noise")],
)
def test_category_search_ignores_accents(platform, query, expected):
    found = platform.client().get("/api/v1/reports/categories", query_string={"q": query}).json
    assert expected in {c["code"] for c in found}
    assert len(found) < len(CORE_CODES)


def test_a_search_with_like_wildcards_finds_nothing(platform):
    found = platform.client().get("/api/v1/reports/categories", query_string={"q": "%_"})
    assert found.status_code == 200 and found.json == []


def test_each_province_sees_its_own_catalog(platform):
    with platform.context() as session:
        danang = create_tenant(session, "danang", 48)
        session.add(
            ReportCategory(
                tenant_id=danang.id, code="beach", name="Bãi biển", name_en="Beaches", active=True
            )
        )
    hue = {c["code"] for c in platform.client().get("/api/v1/reports/categories").json}
    dn = {
        c["code"] for c in platform.client(tenant="danang").get("/api/v1/reports/categories").json
    }
    assert "beach" in dn and "beach" not in hue
    assert platform.client().get("/api/v1/reports/categories/beach").status_code == 404
    with platform.context() as session:
        assert session.scalar(select(func.count()).select_from(Tenant)) == 2
