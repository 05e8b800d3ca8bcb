"""The module gate in front of plugin routes: installed, enabled for the request's tenant, and
the caller's role, all decided before the plugin's view runs."""

from __future__ import annotations

import pytest
from sieuapp.core.db import unit_of_work
from sieuapp.core.identity import accounts
from sieuapp.core.identity.models import User
from sieuapp.core.plugins import modules
from sieuapp.core.tenancy.models import Tenant
from sieuapp.core.tenancy.provinces import create_tenant

NOTE_ROUTE = """
@hookimpl
def startup(services):
    global SERVICES
    SERVICES = services


def _note():
    from flask import jsonify
    SERVICES.audit.record("noted", target="gate-test")
    return jsonify(noted=True), 201
"""


def source(synthetic, plugin_id: str, roles: tuple[str, ...]) -> str:
    """The standard synthetic plugin, plus ``POST /note`` which leaves an audit entry."""
    text = synthetic.source(plugin_id, roles=roles, extra=NOTE_ROUTE)
    return text.replace(
        "    return bp\n",
        '    bp.add_url_rule("/note", view_func=_note, methods=["POST"])\n    return bp\n',
    )


@pytest.fixture
def platform(make_platform, synthetic):
    synthetic("public", source(synthetic, "public", ("anonymous",)))
    synthetic("officials", source(synthetic, "officials", ("official",)))
    synthetic("citizens", source(synthetic, "citizens", ("citizen",)))
    synthetic("hidden", source(synthetic, "hidden", ("anonymous",)))
    synthetic("absent", source(synthetic, "absent", ("anonymous",)))
    platform = make_platform(entry_points=synthetic.entry_points())
    for plugin_id in ("public", "officials", "citizens"):
        platform.install(plugin_id)
    platform.install("hidden", enable=False)
    return platform


def notes(platform) -> int:
    from sieuapp.core.audit.models import AuditEntry

    with unit_of_work(platform.runtime.sessionmaker) as session:
        return session.query(AuditEntry).filter(AuditEntry.action.like("%.noted")).count()


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert set(response.json) == {"code", "message", "errors"}
    assert response.json["code"] == code
    assert response.json["message"]
    assert response.json["errors"] == {}


@pytest.mark.parametrize("plugin_id", ["hidden", "absent"])
@pytest.mark.parametrize("role", [None, "citizen", "province_admin"])
def test_a_module_off_or_not_installed_is_not_there(platform, plugin_id, role):
    client = platform.client(role)
    response = client.get(f"/m/{plugin_id}/hello")
    assert_error(response, 404, "not_found")
    # Indistinguishable from a module that does not exist at all.
    assert response.json == client.get("/m/nowhere/hello").json
    assert_error(client.post(f"/m/{plugin_id}/note"), 404, "not_found")
    assert notes(platform) == 0


@pytest.mark.parametrize(
    ("plugin_id", "role", "status", "code"),
    [
        ("officials", None, 401, "unauthorized"),
        ("officials", "citizen", 403, "forbidden"),
        ("officials", "ioc_operator", 403, "forbidden"),
        ("officials", "province_admin", 403, "forbidden"),
        ("officials", "partner_staff", 403, "forbidden"),
        ("citizens", None, 401, "unauthorized"),
    ],
)
def test_a_role_not_allowed_is_refused_before_the_view_runs(
    platform, plugin_id, role, status, code
):
    client = platform.client(role)
    assert_error(client.get(f"/m/{plugin_id}/hello"), status, code)
    assert_error(client.post(f"/m/{plugin_id}/note"), status, code)
    assert notes(platform) == 0


@pytest.mark.parametrize(
    ("plugin_id", "role"),
    [
        ("officials", "official"),
        ("citizens", "citizen"),
        ("citizens", "official"),  # officials are citizens too
        ("public", None),
        ("public", "citizen"),
    ],
)
def test_an_allowed_role_reaches_the_view(platform, plugin_id, role):
    client = platform.client(role)
    assert client.get(f"/m/{plugin_id}/hello").json == {
        "greeting": "xin chào",
        "plugin": plugin_id,
    }
    response = client.post(f"/m/{plugin_id}/note")
    assert response.status_code == 201, response.json
    assert notes(platform) == 1


@pytest.mark.parametrize("plugin_id", ["public", "officials"])
@pytest.mark.parametrize("token", ["not-a-real-token", "x" * 43])
def test_an_invalid_bearer_token_is_401_even_on_a_public_module(platform, plugin_id, token):
    response = platform.client().get(
        f"/m/{plugin_id}/hello", headers={"Authorization": f"Bearer {token}"}
    )
    assert_error(response, 401, "unauthorized")


def test_a_token_from_another_tenant_is_401(platform):
    bearer = {"Authorization": f"Bearer {add_tenant(platform, 'danang', 48)}"}
    assert_error(platform.client().get("/m/public/hello", headers=bearer), 401, "unauthorized")


def test_a_revoked_token_is_401(platform):
    token = platform.token("official")
    client = platform.client("official")
    assert client.get("/m/officials/hello").status_code == 200
    with unit_of_work(platform.runtime.sessionmaker) as session:
        assert accounts.revoke_token(session, token)
    assert_error(client.get("/m/officials/hello"), 401, "unauthorized")


def test_enabling_and_disabling_take_effect_on_the_next_request(platform):
    admin = platform.client("province_admin")
    client = platform.client()
    assert client.get("/m/public/hello").status_code == 200

    assert admin.post("/api/v1/admin/plugins/public/disable").status_code == 200
    assert_error(client.get("/m/public/hello"), 404, "not_found")

    assert admin.post("/api/v1/admin/plugins/hidden/enable").status_code == 200
    assert client.get("/m/hidden/hello").status_code == 200

    assert admin.post("/api/v1/admin/plugins/public/enable").status_code == 200
    assert client.get("/m/public/hello").status_code == 200


def add_tenant(platform, slug: str, code: int) -> str:
    """A second province; returns a bearer token of an official there."""
    with unit_of_work(platform.runtime.sessionmaker) as session:
        tenant = create_tenant(session, slug, code)
        official = session.get(User, platform.users["official"].id)
        accounts.assign_role(session, official, tenant.id, "official")
        secret, _ = accounts.issue_token(session, official, tenant.id, 600)
    return secret


def test_a_module_answers_per_tenant(platform):
    danang_official = add_tenant(platform, "danang", 48)
    actor = modules.Actor(None, "test")
    with platform.context("danang") as session:
        modules.install(platform.runtime, session, "hidden", actor)
        modules.install(platform.runtime, session, "officials", actor)
    with platform.context("danang") as session:
        modules.enable(platform.runtime, session, "hidden", actor)
        modules.enable(platform.runtime, session, "officials", actor)
    client = platform.client()
    danang = "http://danang.sieuapp.test/"

    # On in Huế only.
    assert client.get("/m/public/hello").status_code == 200
    assert_error(client.get("/m/public/hello", base_url=danang), 404, "not_found")
    # On in Đà Nẵng only.
    assert_error(client.get("/m/hidden/hello"), 404, "not_found")
    assert client.get("/m/hidden/hello", base_url=danang).status_code == 200
    # On in both; the official's role is per tenant and so is the token.
    bearer = {"Authorization": f"Bearer {danang_official}"}
    assert client.get("/m/officials/hello", base_url=danang, headers=bearer).status_code == 200
    assert_error(client.get("/m/officials/hello", headers=bearer), 401, "unauthorized")
    hue_official = platform.client("official")
    assert hue_official.get("/m/officials/hello").status_code == 200
    assert_error(hue_official.get("/m/officials/hello", base_url=danang), 401, "unauthorized")

    # Switching it off in Đà Nẵng leaves Huế alone.
    with platform.context("danang") as session:
        modules.disable(platform.runtime, session, "officials", actor)
    assert_error(
        client.get("/m/officials/hello", base_url=danang, headers=bearer), 404, "not_found"
    )
    assert hue_official.get("/m/officials/hello").status_code == 200


def test_an_unknown_tenant_is_404(platform):
    response = platform.client().get("/m/public/hello", base_url="http://nowhere.sieuapp.test/")
    assert_error(response, 404, "not_found")
    with unit_of_work(platform.runtime.sessionmaker) as session:
        assert session.query(Tenant).filter_by(slug="nowhere").count() == 0
