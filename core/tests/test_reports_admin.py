"""The admin side of the report pipeline: categories, routing rules, boundaries, holidays. Only
province admins change them, the IOC reads them, every change is audited, and a bad request
names its field and changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from flask import g
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.reports.catalog import CORE_CODES, ensure_core_categories
from sieuapp.core.reports.models import (
    Holiday,
    ReportAttribute,
    ReportCategory,
    RoutingRule,
    UnitBoundary,
)
from sieuapp.core.tenancy.models import Organization
from sieuapp.core.tenancy.provinces import create_tenant
from sieuapp.sdk import Role
from sqlalchemy import func, select

CATEGORIES = "/api/v1/admin/reports/categories"
ROUTING = "/api/v1/admin/reports/routing"
BOUNDARIES = "/api/v1/admin/reports/boundaries"
HOLIDAYS = "/api/v1/admin/reports/holidays"
PHU_XUAN, VY_DA, AN_CUU = "19768", "19777", "19815"
DANANG_UNIT = "20197"


@pytest.fixture
def platform(make_platform):
    p = make_platform(plugins=[])
    with p.context() as session:
        ensure_core_categories(session, g.tenant.id)
    return p


@pytest.fixture
def admin(platform):
    return platform.client(Role.PROVINCE_ADMIN)


def audit_entries(platform, action: str) -> list[AuditEntry]:
    with platform.context() as session:
        return list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )


def count(platform, model) -> int:
    with platform.context() as session:
        return session.scalar(select(func.count()).select_from(model))


def square(lon: float, lat: float, size: float) -> list[list[float]]:
    return [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]


def feature(code, geometry=None) -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code},
        "geometry": geometry or {"type": "Polygon", "coordinates": [square(107.56, 16.46, 0.02)]},
    }


def collection(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


NEW_CATEGORY = {
    "code": "stray-dogs",
    "name": "Chó thả rông",
    "name_en": "Stray dogs",
    "group": "Trật tự đô thị, an ninh",
    "group_en": "Urban order and security",
    "keywords": ["chó thả rông", "dog"],
    "organization": "so-nong-nghiep-moi-truong",
    "deadline_days": 4,
    "questions": [
        {"code": "count", "datatype": "number", "description": "Bao nhiêu con?"},
        {
            "code": "muzzled",
            "datatype": "singlevaluelist",
            "description": "Có rọ mõm?",
            "description_en": "Muzzled?",
            "values": [
                {"key": "yes", "name": "Có", "name_en": "Yes"},
                {"key": "no", "name": "Không"},
            ],
        },
    ],
}


# -- who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", CATEGORIES, None),
        ("get", f"{CATEGORIES}/noise", None),
        ("post", CATEGORIES, NEW_CATEGORY),
        ("patch", f"{CATEGORIES}/noise", {"deadline_days": 2}),
        ("get", ROUTING, None),
        ("put", ROUTING, {"category": "noise", "organization": "so-y-te"}),
        ("delete", f"{ROUTING}/1", None),
        ("get", f"{ROUTING}/resolve?category=noise", None),
        ("get", BOUNDARIES, None),
        ("put", BOUNDARIES, collection(feature(PHU_XUAN))),
        ("delete", f"{BOUNDARIES}/{PHU_XUAN}", None),
        ("get", f"{BOUNDARIES}/locate?lat=16.47&lon=107.57", None),
        ("get", HOLIDAYS, None),
        ("put", f"{HOLIDAYS}/2026-02-16", {"name": "Tết"}),
        ("delete", f"{HOLIDAYS}/2026-02-16", None),
    ],
)
def test_citizens_and_officials_may_do_nothing_and_strangers_must_sign_in(
    platform, method, path, body
):
    for role in (Role.CITIZEN, Role.OFFICIAL, Role.PARTNER_STAFF):
        answer = getattr(platform.client(role), method)(path, json=body)
        assert answer.status_code == 403, (role, answer.json)
    assert getattr(platform.client(), method)(path, json=body).status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", CATEGORIES, NEW_CATEGORY),
        ("patch", f"{CATEGORIES}/noise", {"deadline_days": 2}),
        ("put", ROUTING, {"category": "noise", "organization": "so-y-te"}),
        ("put", BOUNDARIES, collection(feature(PHU_XUAN))),
        ("put", f"{HOLIDAYS}/2026-02-16", {"name": "Tết"}),
        ("delete", f"{HOLIDAYS}/2026-02-16", None),
    ],
)
def test_the_ioc_reads_but_does_not_change(platform, method, path, body):
    ioc = platform.client(Role.IOC_OPERATOR)
    assert getattr(ioc, method)(path, json=body).status_code == 403
    assert ioc.get(CATEGORIES).status_code == 200
    assert ioc.get(ROUTING).status_code == 200
    assert ioc.get(BOUNDARIES).status_code == 200
    assert ioc.get(HOLIDAYS).status_code == 200


def test_a_caller_without_the_role_learns_nothing_from_a_bad_body(platform):
    answer = platform.client(Role.CITIZEN).post(CATEGORIES, json={"code": "!"})
    assert answer.status_code == 403
    assert "code" not in answer.json["errors"]


# -- categories -----------------------------------------------------------------------------------


def test_admins_list_every_category_inactive_ones_too(platform, admin):
    admin.patch(f"{CATEGORIES}/noise", json={"active": False})
    listed = admin.get(CATEGORIES).json
    assert {c["code"] for c in listed} == CORE_CODES
    noise = next(c for c in listed if c["code"] == "noise")
    assert noise["active"] is False
    road = next(c for c in listed if c["code"] == "road-damage")
    assert road["organization"] == "so-xay-dung"
    assert road["questions"][0]["values"][0]["name_en"] == "Minor, traffic unaffected"
    waste = admin.get(f"{CATEGORIES}/waste").json
    assert waste["route_to_commune"] is True and waste["organization"] is None
    assert admin.get(f"{CATEGORIES}/volcano").status_code == 404


def test_an_admin_adds_a_category_citizens_then_see(platform, admin):
    created = admin.post(CATEGORIES, json=NEW_CATEGORY)
    assert created.status_code == 201, created.json
    assert created.json["source"] == "core"
    assert created.json["organization"] == "so-nong-nghiep-moi-truong"
    assert created.json["keywords"] == ["chó thả rông", "dog"]
    assert [q["code"] for q in created.json["questions"]] == ["count", "muzzled"]
    assert created.json["reminder_days"] == 1 and created.json["dispute_days"] == 7
    public = platform.client().get(
        "/api/v1/reports/categories/stray-dogs", headers={"Accept-Language": "en"}
    )
    assert public.status_code == 200
    assert public.json["name"] == "Stray dogs"
    assert public.json["questions"][1]["values"][1]["name"] == "Không"
    found = platform.client().get("/api/v1/reports/categories", query_string={"q": "cho tha"})
    assert [c["code"] for c in found.json] == ["stray-dogs"]
    [entry] = audit_entries(platform, "report_category.created")
    assert entry.target == "report_category:stray-dogs"
    assert entry.actor_label == "admin"
    assert entry.after["name_en"] == "Stray dogs"
    assert admin.post(CATEGORIES, json=NEW_CATEGORY).status_code == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"code": "Bad Code"}, "code"),
        ({"name_en": ""}, "name_en"),
        ({"deadline_days": 0}, "deadline_days"),
        ({"duplicate_radius_m": 10_000}, "duplicate_radius_m"),
        ({"organization": "no-such-org"}, "organization"),
        ({"reminder_days": 4}, "reminder_days"),
        ({"colour": "red"}, "colour"),
        (
            {"questions": [{"code": "x", "datatype": "colour", "description": "?"}]},
            "questions.0.datatype",
        ),
        (
            {"questions": [{"code": "x", "datatype": "multivaluelist", "description": "?"}]},
            "questions.0.values",
        ),
        (
            {
                "questions": [
                    {
                        "code": "x",
                        "datatype": "text",
                        "description": "?",
                        "values": [{"key": "a", "name": "A"}],
                    }
                ]
            },
            "questions.0.values",
        ),
        (
            {"questions": [{"code": "x", "datatype": "text", "description": "?"}] * 2},
            "questions",
        ),
        (
            {"questions": [{"code": "1x", "datatype": "text", "description": "?"}]},
            "questions.0.code",
        ),
    ],
)
def test_a_bad_new_category_names_the_field_and_adds_nothing(platform, admin, change, field):
    before = count(platform, ReportCategory)
    answer = admin.post(CATEGORIES, json={**NEW_CATEGORY, **change})
    assert answer.status_code == 422, answer.json
    assert field in answer.json["errors"], answer.json
    assert count(platform, ReportCategory) == before
    assert audit_entries(platform, "report_category.created") == []


def test_an_admin_changes_a_category_and_replaces_its_questions(platform, admin):
    answer = admin.patch(
        f"{CATEGORIES}/noise",
        json={
            "name": "Tiếng ồn ban đêm",
            "organization": "cong-an-hue",
            "route_to_commune": False,
            "deadline_days": 2,
            "dispute_days": 14,
            "keywords": ["karaoke"],
            "questions": [
                {"code": "decibels", "datatype": "number", "description": "Bao nhiêu dB?"}
            ],
        },
    )
    assert answer.status_code == 200, answer.json
    assert answer.json["name"] == "Tiếng ồn ban đêm"
    assert answer.json["name_en"] == "Noise"
    assert answer.json["organization"] == "cong-an-hue"
    assert [q["code"] for q in answer.json["questions"]] == ["decibels"]
    with platform.context() as session:
        noise = session.scalar(select(ReportCategory).where(ReportCategory.code == "noise"))
        assert noise.search_name.startswith("tieng on ban dem")
        assert noise.dispute_days == 14
        codes = session.scalars(
            select(ReportAttribute.code).where(ReportAttribute.category_id == noise.id)
        ).all()
        assert codes == ["decibels"]
    [entry] = audit_entries(platform, "report_category.updated")
    assert entry.before["organization"] is None and entry.after["organization"] == "cong-an-hue"
    assert [q["code"] for q in entry.before["questions"]] == ["source", "when"]
    # An admin's change is never undone by seeding again.
    with platform.context() as session:
        assert ensure_core_categories(session, g.tenant.id) == 0
    assert admin.get(f"{CATEGORIES}/noise").json["organization"] == "cong-an-hue"


def test_an_admin_may_send_a_category_to_the_ioc_and_seeding_respects_it(platform, admin):
    assert admin.patch(f"{CATEGORIES}/trees", json={"organization": None}).status_code == 200
    with platform.context() as session:
        assert ensure_core_categories(session, g.tenant.id) == 0
    assert admin.get(f"{CATEGORIES}/trees").json["organization"] is None


def test_a_bad_change_names_the_field_and_changes_nothing(platform, admin):
    before = admin.get(f"{CATEGORIES}/noise").json
    for body, field in [
        ({"name": "Ồn", "organization": "nobody"}, "organization"),
        ({"deadline_days": 1}, "deadline_days"),  # the reminder would come at assignment
        (
            {"name": "Ồn", "questions": [{"code": "q", "datatype": "text"}]},
            "questions.0.description",
        ),
        ({"active": "maybe"}, "active"),
    ]:
        answer = admin.patch(f"{CATEGORIES}/noise", json=body)
        assert answer.status_code == 422, answer.json
        assert field in answer.json["errors"], answer.json
    assert admin.get(f"{CATEGORIES}/noise").json == before
    assert audit_entries(platform, "report_category.updated") == []
    assert admin.patch(f"{CATEGORIES}/volcano", json={"active": False}).status_code == 404


def test_a_module_s_category_can_only_be_rerouted_rescheduled_or_switched_off(platform, admin):
    with platform.context() as session:
        session.add(
            ReportCategory(
                tenant_id=g.tenant.id,
                code="taxi.complaint",
                source="hotlines",
                name="Taxi",
                name_en="Taxi",
            )
        )
    refused = admin.patch(
        f"{CATEGORIES}/taxi.complaint", json={"name": "Xe", "questions": [], "active": False}
    )
    assert refused.status_code == 422
    assert set(refused.json["errors"]) == {"name", "questions"}
    assert "hotlines" in refused.json["errors"]["name"][0]
    assert admin.get(f"{CATEGORIES}/taxi.complaint").json["active"] is True
    allowed = admin.patch(
        f"{CATEGORIES}/taxi.complaint",
        json={"organization": "mai-linh-hue", "deadline_days": 3, "active": False},
    )
    assert allowed.status_code == 200, allowed.json
    assert allowed.json["organization"] == "mai-linh-hue"
    assert allowed.json["source"] == "hotlines"


def test_an_inactive_organization_cannot_be_chosen(platform, admin):
    with platform.context() as session:
        session.scalar(select(Organization).where(Organization.code == "vnpt-hue")).active = False
    answer = admin.patch(f"{CATEGORIES}/noise", json={"organization": "vnpt-hue"})
    assert answer.status_code == 422 and "organization" in answer.json["errors"]


# -- routing rules --------------------------------------------------------------------------------


def test_routing_rules_set_list_resolve_and_delete(platform, admin):
    resolve = f"{ROUTING}/resolve"
    assert admin.get(resolve, query_string={"category": "noise", "unit_code": VY_DA}).json == {
        "organization": f"ubnd-{VY_DA}"
    }
    wide = admin.put(ROUTING, json={"category": "noise", "organization": "so-y-te"})
    assert wide.status_code == 200, wide.json
    local = admin.put(ROUTING, json={"category": "noise", "unit_code": VY_DA, "to_commune": True})
    ioc = admin.put(ROUTING, json={"category": "noise", "unit_code": PHU_XUAN})
    assert local.status_code == ioc.status_code == 200
    assert admin.get(resolve, query_string={"category": "noise", "unit_code": VY_DA}).json == {
        "organization": f"ubnd-{VY_DA}"
    }
    assert admin.get(resolve, query_string={"category": "noise", "unit_code": AN_CUU}).json == {
        "organization": "so-y-te"
    }
    assert admin.get(resolve, query_string={"category": "noise", "unit_code": PHU_XUAN}).json == {
        "organization": None
    }
    listed = admin.get(ROUTING, query_string={"category": "noise"}).json
    assert [(r["unit_code"], r["organization"], r["to_commune"]) for r in listed] == [
        (PHU_XUAN, None, False),
        (VY_DA, None, True),
        (None, "so-y-te", False),
    ]
    assert admin.get(ROUTING, query_string={"category": "waste"}).json == []
    # Setting the same scope again replaces the rule.
    again = admin.put(ROUTING, json={"category": "noise", "organization": "cong-an-hue"})
    assert again.json["id"] == wide.json["id"]
    assert count(platform, RoutingRule) == 3
    [first, second, third] = audit_entries(platform, "report_routing.set")[-3:]
    assert third.before["organization"] == "so-y-te"
    assert third.after["organization"] == "cong-an-hue"
    assert third.target == "routing:noise/*"
    assert admin.delete(f"{ROUTING}/{local.json['id']}").status_code == 204
    assert admin.delete(f"{ROUTING}/{local.json['id']}").status_code == 404
    [deleted] = audit_entries(platform, "report_routing.deleted")
    assert deleted.target == f"routing:noise/{VY_DA}"
    assert count(platform, RoutingRule) == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "volcano", "organization": "so-y-te"}, "category"),
        ({"category": "noise", "unit_code": "99999"}, "unit_code"),
        ({"category": "noise", "organization": "nobody"}, "organization"),
        ({"category": "noise", "organization": "so-y-te", "to_commune": True}, "organization"),
        ({"organization": "so-y-te"}, "category"),
        ({"category": "noise", "to_commune": "yes please"}, "to_commune"),
    ],
)
def test_a_bad_rule_names_the_field_and_adds_nothing(platform, admin, body, field):
    answer = admin.put(ROUTING, json=body)
    assert answer.status_code == 422, answer.json
    assert field in answer.json["errors"]
    assert count(platform, RoutingRule) == 0
    assert audit_entries(platform, "report_routing.set") == []


# -- boundaries -----------------------------------------------------------------------------------


def test_boundaries_load_list_locate_show_and_delete(platform, admin):
    multi = {
        "type": "MultiPolygon",
        "coordinates": [[square(107.60, 16.46, 0.01)], [square(107.62, 16.46, 0.01)]],
    }
    loaded = admin.put(BOUNDARIES, json=collection(feature(PHU_XUAN), feature(VY_DA, multi)))
    assert loaded.status_code == 200, loaded.json
    assert [b["unit_code"] for b in loaded.json] == [PHU_XUAN, VY_DA]
    listed = admin.get(BOUNDARIES).json
    assert listed[0]["name"] == "Phường Phú Xuân"
    assert listed[1]["bbox"] == pytest.approx([107.60, 16.46, 107.63, 16.47])
    locate = f"{BOUNDARIES}/locate"
    assert admin.get(locate, query_string={"lat": 16.465, "lon": 107.625}).json == {
        "unit_code": VY_DA
    }
    assert admin.get(locate, query_string={"lat": 16.465, "lon": 107.615}).json == {
        "unit_code": None
    }
    assert admin.get(locate, query_string={"lat": 95, "lon": 107}).status_code == 422
    shown = admin.get(f"{BOUNDARIES}/{VY_DA}").json
    assert shown["type"] == "Feature" and shown["geometry"] == multi
    # Loading again replaces the outline.
    moved = feature(PHU_XUAN, {"type": "Polygon", "coordinates": [square(107.50, 16.40, 0.01)]})
    assert admin.put(BOUNDARIES, json=collection(moved)).status_code == 200
    assert count(platform, UnitBoundary) == 2
    assert admin.get(f"{BOUNDARIES}/{PHU_XUAN}").json["bbox"] == pytest.approx(
        [107.50, 16.40, 107.51, 16.41]
    )
    entries = audit_entries(platform, "unit_boundary.set")
    assert [e.target for e in entries] == [f"boundary:{c}" for c in (PHU_XUAN, VY_DA, PHU_XUAN)]
    assert entries[2].before["bbox"][0] == pytest.approx(107.56)
    assert admin.delete(f"{BOUNDARIES}/{VY_DA}").status_code == 204
    assert admin.get(f"{BOUNDARIES}/{VY_DA}").status_code == 404
    assert admin.delete(f"{BOUNDARIES}/{VY_DA}").status_code == 404
    assert len(audit_entries(platform, "unit_boundary.deleted")) == 1


def test_one_bad_feature_loads_nothing_and_each_problem_is_named(platform, admin):
    open_ring = {"type": "Polygon", "coordinates": [[[107, 16], [108, 16], [108, 17], [107, 17]]]}
    answer = admin.put(
        BOUNDARIES,
        json=collection(
            feature(PHU_XUAN),
            feature(VY_DA, open_ring),
            feature("99999"),
            feature(PHU_XUAN),
            {"type": "Feature", "properties": None, "geometry": None},
            {"type": "Point"},
        ),
    )
    assert answer.status_code == 422
    errors = answer.json["errors"]
    assert errors["features[1].geometry"] == [
        "coordinates[0]: the ring is not closed (first and last positions differ)"
    ]
    assert "99999" in errors["features[2].properties.code"][0]
    assert "twice" in errors["features[3].properties.code"][0]
    assert "features[4].properties.code" in errors and "features[4].geometry" in errors
    assert "features[5].type" in errors
    assert "features[0].geometry" not in errors
    assert count(platform, UnitBoundary) == 0
    assert audit_entries(platform, "unit_boundary.set") == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "Feature", "features": [feature(PHU_XUAN)]}, "type"),
        ({"type": "FeatureCollection", "features": []}, "features"),
        ({"type": "FeatureCollection"}, "features"),
    ],
)
def test_a_body_that_is_no_feature_collection_is_refused(platform, admin, body, field):
    answer = admin.put(BOUNDARIES, json=body)
    assert answer.status_code == 422 and field in answer.json["errors"]


# -- holidays -------------------------------------------------------------------------------------


def test_holidays_set_list_by_year_and_delete(platform, admin):
    tet = admin.put(f"{HOLIDAYS}/2026-02-16", json={"name": "Tết Nguyên đán", "name_en": "Tết"})
    assert tet.status_code == 200, tet.json
    assert tet.json == {
        "day": "2026-02-16",
        "name": "Tết Nguyên đán",
        "name_en": "Tết",
        "working": False,
    }
    worked = admin.put(
        f"{HOLIDAYS}/2025-04-26", json={"name": "Làm bù", "name_en": "Worked", "working": True}
    )
    assert worked.status_code == 200
    assert [h["day"] for h in admin.get(HOLIDAYS, query_string={"year": 2026}).json] == [
        "2026-02-16"
    ]
    assert admin.get(HOLIDAYS, query_string={"year": 2025}).json[0]["working"] is True
    renamed = admin.put(f"{HOLIDAYS}/2026-02-16", json={"name": "Mùng 1 Tết", "name_en": "Tết"})
    assert renamed.json["name"] == "Mùng 1 Tết"
    assert count(platform, Holiday) == 2
    entries = audit_entries(platform, "report_holiday.set")
    assert entries[-1].before["name"] == "Tết Nguyên đán"
    assert entries[-1].after == {
        "day": "2026-02-16",
        "name": "Mùng 1 Tết",
        "name_en": "Tết",
        "working": False,
    }
    with platform.context() as session:
        from sieuapp.core.reports.calendar import is_working_day

        assert not is_working_day(session, g.tenant.id, date(2026, 2, 16))
        assert is_working_day(session, g.tenant.id, date(2025, 4, 26))
    assert admin.delete(f"{HOLIDAYS}/2026-02-16").status_code == 204
    assert admin.delete(f"{HOLIDAYS}/2026-02-16").status_code == 404
    assert audit_entries(platform, "report_holiday.deleted")[0].target == "holiday:2026-02-16"


@pytest.mark.parametrize(
    ("day", "body", "field"),
    [
        ("2026-02-30", {"name": "x"}, "day"),
        ("tomorrow", {"name": "x"}, "day"),
        ("2026-02-16", {"name": ""}, "name"),
        ("2026-02-16", {}, "name"),
        ("2026-02-16", {"name": "Làm bù", "working": True}, "working"),
    ],
)
def test_a_bad_holiday_names_the_field_and_changes_nothing(platform, admin, day, body, field):
    answer = admin.put(f"{HOLIDAYS}/{day}", json=body)
    assert answer.status_code == 422, answer.json
    assert field in answer.json["errors"]
    assert count(platform, Holiday) == 0
    assert admin.get(HOLIDAYS, query_string={"year": 1900}).status_code == 422


# -- tenant isolation -----------------------------------------------------------------------------


def test_one_province_cannot_touch_another_s_settings(platform, admin):
    with platform.context() as session:
        danang = create_tenant(session, "danang", 48)
        noise = session.scalar(
            select(ReportCategory).where(
                ReportCategory.tenant_id == danang.id, ReportCategory.code == "noise"
            )
        )
        rule = RoutingRule(tenant_id=danang.id, category_id=noise.id, unit_code=None)
        session.add(rule)
        session.add(Holiday(tenant_id=danang.id, day=date(2026, 9, 2), name="Quốc khánh"))
        session.add(
            UnitBoundary(
                tenant_id=danang.id,
                unit_code=DANANG_UNIT,
                geometry={"type": "Polygon", "coordinates": [square(108, 16, 0.1)]},
                min_lat=16,
                min_lon=108,
                max_lat=16.1,
                max_lon=108.1,
            )
        )
        session.flush()
        rule_id, noise_id = rule.id, noise.id
    assert admin.delete(f"{ROUTING}/{rule_id}").status_code == 404
    assert admin.get(ROUTING).json == []
    assert admin.get(BOUNDARIES).json == []
    assert admin.get(f"{BOUNDARIES}/{DANANG_UNIT}").status_code == 404
    assert admin.get(HOLIDAYS, query_string={"year": 2026}).json == []
    # A ward of Đà Nẵng is no unit of Huế.
    answer = admin.put(BOUNDARIES, json=collection(feature(DANANG_UNIT)))
    assert answer.status_code == 422
    admin.patch(f"{CATEGORIES}/noise", json={"deadline_days": 9})
    with platform.context() as session:
        assert session.get(ReportCategory, noise_id).deadline_days != 9
        assert session.get(RoutingRule, rule_id) is not None
    # Huế's admin token means nothing on Đà Nẵng's host.
    foreign = platform.client(Role.PROVINCE_ADMIN, tenant="danang")
    assert foreign.get(CATEGORIES).status_code == 401
