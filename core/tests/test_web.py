from __future__ import annotations

import re

import pytest
from sieuapp.core.tenancy.models import Organization
from sieuapp.sdk import Role


@pytest.fixture
def platform(make_platform):
    return make_platform(plugins=[])


def test_healthz_needs_no_database_or_tenant(platform):
    response = platform.client(tenant="nowhere").get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_reports_database_and_tenant(platform):
    response = platform.client().get("/readyz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["database"] == "ok"


def test_readyz_is_503_when_the_database_is_gone(platform):
    platform.runtime.engine.dispose()
    platform.runtime.engine.pool._creator = lambda: (_ for _ in ()).throw(OSError("down"))  # noqa: SLF001
    response = platform.client().get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert "down" not in response.get_data(as_text=True)


def test_openapi_document_describes_the_api(platform):
    spec = platform.client().get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/modules",
        "/api/v1/admin/plugins",
        "/api/v1/auth/login",
        "/api/v1/tenant/units",
    ):
        assert path in spec["paths"], path


def test_browsable_docs_use_only_our_own_assets(platform):
    client = platform.client()
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    for source in sources:
        assert source.startswith("/"), f"external asset {source}"
        assert client.get(source).status_code == 200, source


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/api/v1/nowhere", 404, "not_found"),
        ("delete", "/api/v1/modules", 405, "method_not_allowed"),
        ("post", "/api/v1/auth/login", 422, "invalid_input"),
    ],
)
def test_errors_share_one_format(platform, method, path, status, code):
    response = getattr(platform.client(), method)(path, json={})
    assert response.status_code == status
    assert response.json["code"] == code
    assert set(response.json) == {"code", "message", "errors"}
    assert response.json["message"]


def test_malformed_json_is_a_clear_400(platform):
    response = platform.client().post(
        "/api/v1/auth/login", data="{not json", content_type="application/json"
    )
    assert response.status_code in (400, 422)
    assert set(response.json) == {"code", "message", "errors"}


def test_generic_error_messages_follow_the_callers_language(platform):
    client = platform.client()
    assert client.get("/api/v1/nowhere").json["message"] == "Không tìm thấy."
    english = client.get("/api/v1/nowhere", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert english.json["message"] == "Not found."


def test_a_nul_character_in_any_input_is_422_naming_the_field(platform):
    admin = platform.client(Role.PROVINCE_ADMIN)
    with platform.context() as session:
        before = session.query(Organization).count()
    body = {"code": "so-moi", "kind": "agency", "name": "Sở\x00 Mới", "nested": [{"a": "\x00"}]}
    answer = admin.post("/api/v1/admin/organizations", json=body)
    assert answer.status_code == 422
    assert answer.json["errors"] == {"name": ["Contains a NUL character."]}
    deep = admin.post("/api/v1/admin/organizations", json={"x": [{"y": "a\x00"}]})
    assert deep.json["errors"] == {"x[0].y": ["Contains a NUL character."]}
    query = admin.get("/api/v1/tenant/units", query_string={"q": "Thu\x00an"})
    assert query.status_code == 422 and query.json["errors"] == {"q": ["Contains a NUL character."]}
    with platform.context() as session:
        assert session.query(Organization).count() == before
