from __future__ import annotations

import pytest
from sieuapp.core.tenancy.context import slug_from_host
from sieuapp.core.tenancy.models import AdministrativeUnit, Organization
from sieuapp.core.tenancy.provinces import create_tenant, english_name, province, wards
from sieuapp.sdk.errors import Conflict, InvalidInput
from sqlalchemy import func, select
from vietnam_provinces import Province


def test_the_2025_structure_comes_from_the_package():
    assert len(list(Province.iter_all())) == 34
    hue = province(46)
    assert hue.name == "Thành phố Huế"
    assert english_name(hue) == "Hue City"
    assert len(wards(46)) == 40


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("hue.sieuapp.vn", "hue"),
        ("HUE.sieuapp.vn:8443", "hue"),
        ("danang.sieuapp.vn.", "danang"),
        ("sieuapp.vn", "hue"),
        ("a.b.sieuapp.vn", "hue"),
        ("hue.other.vn", "hue"),
        ("localhost:8000", "hue"),
    ],
)
def test_tenant_from_host(host, expected):
    assert slug_from_host(host, "sieuapp.vn", "hue") == expected


def test_no_base_domain_means_default_tenant():
    assert slug_from_host("danang.sieuapp.vn", "", "hue") == "hue"


@pytest.fixture
def platform(make_platform):
    return make_platform(plugins=[])


def test_a_tenant_gets_every_ward_and_commune(platform):
    with platform.context() as session:
        tenant = create_tenant(session, "danang", 48)
        units = session.scalar(
            select(func.count())
            .select_from(AdministrativeUnit)
            .where(AdministrativeUnit.tenant_id == tenant.id)
        )
    assert units == len(wards(48)) > 50


def test_unknown_province_and_duplicate_slug_are_refused(platform):
    with platform.context() as session:
        with pytest.raises(InvalidInput) as bad:
            create_tenant(session, "atlantis", 99)
        assert "province_code" in bad.value.errors
        with pytest.raises(Conflict):
            create_tenant(session, "hue", 46)


def test_tenant_info_and_units_api(platform):
    client = platform.client()
    info = client.get("/api/v1/tenant").json
    assert info == {
        "slug": "hue",
        "name": "Thành phố Huế",
        "name_en": "Hue City",
        "province_code": 46,
    }
    units = client.get("/api/v1/tenant/units").json
    assert len(units) == 40
    assert {u["kind"] for u in units} <= {"phuong", "xa", "dac_khu"}


@pytest.mark.parametrize("query", ["thuan an", "Thuận An", "THUAN AN", "thuận"])
def test_unit_search_ignores_accents(platform, query):
    names = [
        u["name"]
        for u in platform.client().get("/api/v1/tenant/units", query_string={"q": query}).json
    ]
    assert "Phường Thuận An" in names


def test_unit_filter_rejects_unknown_kind(platform):
    response = platform.client().get("/api/v1/tenant/units", query_string={"kind": "district"})
    assert response.status_code == 422
    assert "kind" in response.json["errors"]


def test_unknown_tenant_host_is_404(platform):
    response = platform.client(tenant="atlantis").get("/api/v1/tenant")
    assert response.status_code == 404
    assert "atlantis" in response.json["message"]


def test_organizations_are_listed_by_kind(platform):
    client = platform.client()
    iocs = client.get("/api/v1/tenant/organizations", query_string={"kind": "ioc"}).json
    assert [o["code"] for o in iocs] == ["hue-ioc"]
    communes = client.get("/api/v1/tenant/organizations", query_string={"kind": "commune"}).json
    assert communes and all(c["parent"] == "ubnd-hue" and c["unit_code"] for c in communes)


def test_admin_adds_an_organization(platform):
    admin = platform.client("province_admin")
    body = {
        "code": "taxi-xanh",
        "kind": "partner",
        "name": "Taxi Xanh Huế",
        "name_en": "Green Taxi Huế",
    }
    created = admin.post("/api/v1/admin/organizations", json=body)
    assert created.status_code == 201, created.json
    assert created.json["code"] == "taxi-xanh"
    again = admin.post("/api/v1/admin/organizations", json=body)
    assert again.status_code == 409
    assert "code" in again.json["errors"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "X Y", "kind": "partner", "name": "Taxi"}, "code"),
        ({"code": "xy", "kind": "bank", "name": "Taxi"}, "kind"),
        ({"code": "xy", "kind": "partner"}, "name"),
        ({"code": "xy", "kind": "partner", "name": "Taxi", "parent": "nope"}, "parent"),
        ({"code": "xy", "kind": "commune", "name": "UBND", "unit_code": "00000"}, "unit_code"),
    ],
)
def test_bad_organizations_name_the_field_and_change_nothing(platform, body, field):
    def orgs():
        with platform.context() as session:
            return session.scalar(select(func.count()).select_from(Organization))

    before = orgs()
    response = platform.client("province_admin").post("/api/v1/admin/organizations", json=body)
    assert response.status_code == 422
    assert field in response.json["errors"]
    assert orgs() == before


def test_only_admins_add_organizations(platform):
    body = {"code": "xy", "kind": "partner", "name": "Taxi"}
    assert (
        platform.client("official").post("/api/v1/admin/organizations", json=body).status_code
        == 403
    )
    assert platform.client().post("/api/v1/admin/organizations", json=body).status_code == 401
