"""The plugin in the platform: its migration, switching it off, readiness, and a user's
personal-data requests (export and erasure)."""

from __future__ import annotations

from typing import Any

import pytest
from sieuapp.sdk import Erasure
from sieuapp_hotlines.models import Favorite, utcnow
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

FAVORITES = "/m/hotlines/api/favorites"
ROUTES = ["/m/hotlines/", "/m/hotlines/api/numbers", FAVORITES]


@pytest.fixture
def call_hook(sieuapp_platform):
    """Call one of the plugin's hooks the way the host does, inside the tenant's context."""

    def call(hook: str, **kwargs: Any) -> Any:
        with sieuapp_platform.context():
            services = sieuapp_platform.runtime.host.services["hotlines"]
            tenant = services.tenancy.current()
            return sieuapp_platform.runtime.host.call(
                "hotlines", hook, tenant.id, tenant=tenant, **kwargs
            )

    return call


def test_install_applied_the_plugin_branch(sieuapp_platform):
    engine = sieuapp_platform.runtime.engine
    inspector = inspect(engine)
    assert inspector.has_table("hotlines_favorites")
    columns = {c["name"] for c in inspector.get_columns("hotlines_favorites")}
    assert columns == {"id", "tenant_id", "user_id", "number", "created_at"}
    assert {fk["referred_table"] for fk in inspector.get_foreign_keys("hotlines_favorites")} == {
        "tenants",
        "users",
    }
    unique = inspector.get_unique_constraints("hotlines_favorites")
    assert [u["column_names"] for u in unique] == [["tenant_id", "user_id", "number"]]
    with engine.connect() as connection:
        versions = set(connection.scalars(text("SELECT version_num FROM alembic_version")))
    assert "hotlines_0001" in versions


def test_the_database_refuses_a_duplicate_favourite(sieuapp_platform):
    user_id = sieuapp_platform.users["citizen"].id
    with pytest.raises(IntegrityError), sieuapp_platform.context() as session:
        tenant_id = sieuapp_platform.runtime.host.services["hotlines"].tenancy.current().id
        for _ in range(2):
            session.add(Favorite(tenant_id=tenant_id, user_id=user_id, number="113"))
            session.flush()


def test_disabled_module_answers_404_everywhere(
    admin_client, citizen_client, anonymous_client, sieuapp_platform
):
    assert citizen_client.post(FAVORITES, json={"number": "113"}).status_code == 201
    disabled = admin_client.post("/api/v1/admin/plugins/hotlines/disable")
    assert disabled.status_code == 200
    assert disabled.get_json()["state"]["enabled"] is False

    for client in (anonymous_client, citizen_client):
        for path in ROUTES:
            response = client.get(path)
            assert response.status_code == 404, path
            assert response.get_json()["code"] == "not_found"
    assert citizen_client.post(FAVORITES, json={"number": "114"}).status_code == 404
    assert citizen_client.delete(f"{FAVORITES}/113").status_code == 404
    modules = anonymous_client.get("/api/v1/modules").get_json()["modules"]
    assert "hotlines" not in [m["id"] for m in modules]

    assert admin_client.post("/api/v1/admin/plugins/hotlines/enable").status_code == 200
    # Switching off hides the module; it does not lose the citizens' favourites.
    favorites = citizen_client.get(FAVORITES).get_json()["favorites"]
    assert [f["number"] for f in favorites] == ["113"]


def test_discovery_lists_the_module_for_everyone(anonymous_client, citizen_client):
    for client in (anonymous_client, citizen_client):
        modules = client.get("/api/v1/modules", headers={"Accept-Language": "en"}).get_json()
        hotlines = next(m for m in modules["modules"] if m["id"] == "hotlines")
        assert hotlines["name"] == "Hotlines"
        assert hotlines["icon"] == "phone"
        assert hotlines["category"] == "public-safety"
        assert hotlines["entry_url"] == "/m/hotlines/"
        assert hotlines["scopes"] == []
    vi = anonymous_client.get("/api/v1/modules").get_json()["modules"]
    assert next(m for m in vi if m["id"] == "hotlines")["name"] == "Đường dây nóng"


def test_readiness_reports_the_plugin_healthy(anonymous_client):
    response = anonymous_client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["plugins"]["hotlines"] == {"ok": True}


def test_health_fails_with_the_reason_when_the_table_is_gone(
    sieuapp_platform, anonymous_client, admin_client, call_hook
):
    with sieuapp_platform.context() as session:
        session.execute(text("DROP TABLE hotlines_favorites"))
    health = call_hook("health")
    assert health.ok is False
    assert "hotlines_favorites" in health.detail
    assert anonymous_client.get("/readyz").get_json()["plugins"]["hotlines"] == {"ok": False}
    body = admin_client.get("/readyz").get_json()
    assert body["status"] == "degraded"
    assert body["plugins"]["hotlines"]["ok"] is False
    assert "hotlines_favorites is missing" in body["plugins"]["hotlines"]["detail"]


def test_export_returns_the_users_favourites_only(
    citizen_client, official_client, sieuapp_platform, call_hook
):
    citizen_id = sieuapp_platform.users["citizen"].id
    assert call_hook("export_user_data", user_id=citizen_id) == {"favorites": []}
    for number in ("115", "113"):
        assert citizen_client.post(FAVORITES, json={"number": number}).status_code == 201
    assert official_client.post(FAVORITES, json={"number": "111"}).status_code == 201

    exported = call_hook("export_user_data", user_id=citizen_id)
    assert [f["number"] for f in exported["favorites"]] == ["115", "113"]
    assert all(f["created_at"].endswith("+00:00") for f in exported["favorites"])


def test_erase_deletes_the_users_favourites_and_says_so(
    citizen_client, official_client, sieuapp_platform, call_hook
):
    citizen_id = sieuapp_platform.users["citizen"].id
    for number in ("115", "113"):
        assert citizen_client.post(FAVORITES, json={"number": number}).status_code == 201
    assert official_client.post(FAVORITES, json={"number": "111"}).status_code == 201

    erasure = call_hook("erase_user_data", user_id=citizen_id)
    assert isinstance(erasure, Erasure)
    assert len(erasure.erased) == 1 and erasure.erased[0].startswith("2 ")
    assert erasure.kept == {}

    assert citizen_client.get(FAVORITES).get_json()["favorites"] == []
    assert call_hook("export_user_data", user_id=citizen_id) == {"favorites": []}
    assert [f["number"] for f in official_client.get(FAVORITES).get_json()["favorites"]] == ["111"]
    again = call_hook("erase_user_data", user_id=citizen_id)
    assert again == Erasure()


def test_favourites_of_another_tenant_are_out_of_reach(citizen_client, sieuapp_platform, call_hook):
    # The SDK's test platform has one tenant; a bare row is enough to own favourites.
    citizen_id = sieuapp_platform.users["citizen"].id
    with sieuapp_platform.context() as session:
        other = session.execute(
            text(
                "INSERT INTO tenants (slug, name, name_en, province_code, modules_version,"
                " created_at) VALUES ('danang', 'Thành phố Đà Nẵng', 'Da Nang City', 48, 0,"
                " :now) RETURNING id"
            ),
            {"now": utcnow().replace(tzinfo=None)},
        ).scalar_one()
        session.add(Favorite(tenant_id=other, user_id=citizen_id, number="113"))
    assert citizen_client.get(FAVORITES).get_json()["favorites"] == []
    assert call_hook("export_user_data", user_id=citizen_id) == {"favorites": []}
    assert call_hook("erase_user_data", user_id=citizen_id) == Erasure()
    with sieuapp_platform.context() as session:
        left = session.scalars(select(Favorite.tenant_id).where(Favorite.user_id == citizen_id))
        assert list(left) == [other]
