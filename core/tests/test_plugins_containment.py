"""Containment: a hook raising at run time is logged and counted, the other plugins still run,
and repeated failures switch the module off for that tenant only, with an audit entry."""

from __future__ import annotations

import logging
import textwrap

import pytest
from sieuapp.core.db import unit_of_work
from sieuapp.core.identity import accounts
from sieuapp.core.identity.models import User
from sieuapp.core.plugins import modules
from sieuapp.core.plugins.synthetic import plugin_source
from sieuapp.core.tenancy.provinces import create_tenant

LIMIT = 3
DANANG = ("danang", 48)


def flaky_source(plugin_id: str) -> str:
    """A plugin whose ``health`` and ``export_user_data`` fail unless its config says healthy."""
    return textwrap.dedent(
        f"""
        from flask import Blueprint, jsonify
        from marshmallow import Schema, fields
        from sieuapp.sdk import FrontendEntry, Health, Manifest, hookimpl, text


        class Config(Schema):
            healthy = fields.Boolean(load_default=False)


        @hookimpl
        def manifest():
            return Manifest(
                id={plugin_id!r},
                name=text("Dịch vụ {plugin_id}", "Service {plugin_id}"),
                description=text("Mô tả", "About"),
                sdk_api=">=1.0,<2",
                config_schema=Config,
                frontend=FrontendEntry(route="/hello"),
                roles=("anonymous",),
            )


        @hookimpl
        def routes(services):
            bp = Blueprint({plugin_id!r}, __name__)

            @bp.get("/hello")
            def hello():
                return jsonify(plugin={plugin_id!r})

            return bp


        def _check(services, tenant):
            if not services.config.get().get("healthy"):
                raise RuntimeError("meter service down for " + tenant.slug)


        @hookimpl
        def health(tenant, services):
            _check(services, tenant)
            return Health(ok=True, detail="meters answer")


        @hookimpl
        def export_user_data(user_id, tenant, services):
            _check(services, tenant)
            return {{"plugin": {plugin_id!r}, "user": user_id}}
        """
    )


def steady_source(plugin_id: str) -> str:
    """A plugin whose ``health`` and ``export_user_data`` always answer."""
    return plugin_source(
        plugin_id,
        extra=f"""
        from sieuapp.sdk import Health

        @hookimpl
        def health(tenant, services):
            return Health(ok=True, detail="fine in " + tenant.slug)

        @hookimpl
        def export_user_data(user_id, tenant, services):
            return {{"plugin": {plugin_id!r}, "user": user_id}}
        """,
    )


@pytest.fixture
def platform(make_platform, synthetic):
    synthetic("flaky", flaky_source("flaky"))
    synthetic("steady", steady_source("steady"))
    synthetic("dormant", steady_source("dormant"))
    return make_platform(
        plugins=["flaky", "steady"],
        entry_points=synthetic.entry_points(),
        plugin_failure_limit=LIMIT,
    )


def add_tenant(platform, slug: str, code: int, plugins: tuple[str, ...] = ()) -> None:
    """A second province, with the admin user as its province admin and ``plugins`` enabled."""
    with unit_of_work(platform.runtime.sessionmaker) as session:
        tenant = create_tenant(session, slug, code)
        admin = session.get(User, platform.users["province_admin"].id)
        accounts.assign_role(session, admin, tenant.id, "province_admin")
    actor = modules.Actor(None, "test")
    for plugin_id in plugins:
        with platform.context(slug) as session:
            modules.install(platform.runtime, session, plugin_id, actor)
        with platform.context(slug) as session:
            modules.enable(platform.runtime, session, plugin_id, actor)


def admin_headers(platform, slug: str) -> dict[str, str]:
    with unit_of_work(platform.runtime.sessionmaker) as session:
        from sieuapp.core.tenancy.models import Tenant

        tenant_id = session.query(Tenant.id).filter_by(slug=slug).scalar()
        user = session.get(User, platform.users["province_admin"].id)
        secret, _ = accounts.issue_token(session, user, tenant_id, 600)
    return {"Authorization": f"Bearer {secret}"}


def url(slug: str) -> str:
    return f"http://{slug}.sieuapp.test/"


def state(platform, plugin_id: str, slug: str = "hue") -> dict | None:
    response = platform.client().get(
        f"/api/v1/admin/plugins/{plugin_id}",
        base_url=url(slug),
        headers=admin_headers(platform, slug),
    )
    assert response.status_code == 200, response.json
    return response.json["state"]


def audit(platform, action: str, slug: str = "hue") -> list[dict]:
    response = platform.client().get(
        f"/api/v1/admin/audit?action={action}",
        base_url=url(slug),
        headers=admin_headers(platform, slug),
    )
    assert response.status_code == 200, response.json
    return response.json["entries"]


def configure(platform, plugin_id: str, config: dict) -> None:
    response = platform.client("province_admin").put(
        f"/api/v1/admin/plugins/{plugin_id}/config", json=config
    )
    assert response.status_code == 200, response.json


def test_a_failing_health_hook_is_contained_logged_and_counted(platform, caplog):
    with caplog.at_level(logging.ERROR, logger="sieuapp.plugins"):
        ready = platform.client("ioc_operator").get("/readyz")
    assert ready.status_code == 200
    assert ready.json["status"] == "degraded"
    assert ready.json["plugins"]["flaky"]["ok"] is False
    assert "RuntimeError: meter service down for hue" in ready.json["plugins"]["flaky"]["detail"]
    assert ready.json["plugins"]["steady"] == {"ok": True, "detail": "fine in hue"}
    logged = [
        r
        for r in caplog.records
        if "flaky" in r.getMessage() and "health" in r.getMessage() and "meter" in r.getMessage()
    ]
    assert logged, caplog.text
    # With the traceback, so the partner can find the line.
    assert logged[0].exc_info is not None
    assert "sieuapp_synthetic_flaky.py" in caplog.text

    flaky = state(platform, "flaky")
    assert flaky["failure_count"] == 1
    assert flaky["last_failure"] == "hook 'health': RuntimeError: meter service down for hue"

    # The public answer says what is up, not why: reasons name files and errors.
    anonymous = platform.client().get("/readyz")
    assert anonymous.json["plugins"] == {"flaky": {"ok": False}, "steady": {"ok": True}}
    assert "meter service" not in anonymous.get_data(as_text=True)
    assert flaky["enabled"] is True
    assert flaky["disabled_reason"] is None
    assert state(platform, "steady")["failure_count"] == 0
    # Below the limit the module keeps serving.
    assert platform.client().get("/m/flaky/hello").status_code == 200


def test_repeated_failures_switch_the_module_off_for_that_tenant_only(platform):
    add_tenant(platform, *DANANG, plugins=("flaky",))
    for _ in range(LIMIT - 1):
        platform.client().get("/readyz")
    assert state(platform, "flaky")["enabled"] is True
    assert audit(platform, "module.auto_disabled") == []

    platform.client().get("/readyz")

    flaky = state(platform, "flaky")
    assert flaky["enabled"] is False
    assert flaky["failure_count"] == LIMIT
    assert f"after {LIMIT} failures in a row" in flaky["disabled_reason"]
    assert "meter service down for hue" in flaky["disabled_reason"]
    entries = audit(platform, "module.auto_disabled")
    assert len(entries) == 1
    entry = entries[0]
    assert entry["target"] == "flaky"
    assert entry["plugin_id"] == "flaky"
    assert entry["actor_id"] is None
    assert entry["before"] == {"enabled": True}
    assert entry["after"]["enabled"] is False
    assert entry["after"]["reason"] == flaky["disabled_reason"]

    # Off in Huế: its route is gone, discovery drops it, readiness no longer calls it.
    client = platform.client()
    assert client.get("/m/flaky/hello").status_code == 404
    assert [m["id"] for m in client.get("/api/v1/modules").json["modules"]] == ["steady"]
    ready = client.get("/readyz").json
    assert "flaky" not in ready["plugins"]
    assert ready["status"] == "ok"
    assert state(platform, "flaky")["failure_count"] == LIMIT
    # The other plugin was never touched.
    assert state(platform, "steady")["failure_count"] == 0
    assert state(platform, "steady")["enabled"] is True

    # Still on in Đà Nẵng, with no failures counted there.
    assert client.get("/m/flaky/hello", base_url=url("danang")).status_code == 200
    danang = state(platform, "flaky", "danang")
    assert danang["enabled"] is True
    assert danang["failure_count"] == 0
    assert audit(platform, "module.auto_disabled", "danang") == []


def test_a_success_resets_the_count(platform):
    for _ in range(LIMIT - 1):
        platform.client().get("/readyz")
    assert state(platform, "flaky")["failure_count"] == LIMIT - 1

    configure(platform, "flaky", {"healthy": True})
    ready = platform.client("province_admin").get("/readyz").json
    assert ready["plugins"]["flaky"] == {"ok": True, "detail": "meters answer"}
    assert state(platform, "flaky")["failure_count"] == 0

    configure(platform, "flaky", {"healthy": False})
    for _ in range(LIMIT - 1):
        platform.client().get("/readyz")
    # Two new failures after the reset: still under the limit, still on.
    flaky = state(platform, "flaky")
    assert flaky["failure_count"] == LIMIT - 1
    assert flaky["enabled"] is True


def test_an_admin_enabling_again_clears_the_switch_off(platform):
    for _ in range(LIMIT):
        platform.client().get("/readyz")
    assert state(platform, "flaky")["enabled"] is False
    configure(platform, "flaky", {"healthy": True})
    response = platform.client("province_admin").post("/api/v1/admin/plugins/flaky/enable")
    assert response.status_code == 200, response.json
    assert response.json["state"]["enabled"] is True
    assert response.json["state"]["failure_count"] == 0
    assert response.json["state"]["disabled_reason"] is None
    assert platform.client().get("/m/flaky/hello").status_code == 200


def call_export(platform, slug: str = "hue") -> dict[str, object]:
    user_id = platform.users["citizen"].id
    with platform.context(slug):
        from sieuapp.core.tenancy.context import current_tenant

        tenant = current_tenant()
        results = platform.runtime.host.call_enabled(
            "export_user_data", tenant.id, user_id=user_id, tenant=tenant.info()
        )
    return dict(results)


def test_call_enabled_contains_a_failure_and_runs_the_others(platform):
    # ``dormant`` is installed but switched off here: its hooks must not be called.
    platform.install("dormant", enable=False)
    user_id = platform.users["citizen"].id

    results = call_export(platform)

    assert results == {"steady": {"plugin": "steady", "user": user_id}}
    flaky = state(platform, "flaky")
    assert flaky["failure_count"] == 1
    assert flaky["last_failure"] == (
        "hook 'export_user_data': RuntimeError: meter service down for hue"
    )
    assert state(platform, "dormant")["failure_count"] == 0
    assert state(platform, "steady")["failure_count"] == 0


def test_call_enabled_skips_a_module_once_switched_off(platform):
    add_tenant(platform, *DANANG, plugins=("flaky", "steady"))
    for _ in range(LIMIT):
        assert "flaky" not in call_export(platform)
    assert state(platform, "flaky")["enabled"] is False
    assert [e["target"] for e in audit(platform, "module.auto_disabled")] == ["flaky"]

    assert set(call_export(platform)) == {"steady"}
    # Not called any more: a call would have failed and been counted.
    assert state(platform, "flaky")["failure_count"] == LIMIT

    # Đà Nẵng still calls it (and so counts its own failure, separately).
    configure_danang = platform.client().put(
        "/api/v1/admin/plugins/flaky/config",
        json={"healthy": True},
        base_url=url("danang"),
        headers=admin_headers(platform, "danang"),
    )
    assert configure_danang.status_code == 200, configure_danang.json
    user_id = platform.users["citizen"].id
    assert call_export(platform, "danang") == {
        "flaky": {"plugin": "flaky", "user": user_id},
        "steady": {"plugin": "steady", "user": user_id},
    }
    assert state(platform, "flaky", "danang")["failure_count"] == 0


def test_a_failing_enable_hook_refuses_the_enable_and_changes_nothing(make_platform, synthetic):
    synthetic(
        "picky",
        synthetic.source(
            "picky",
            extra="""
            @hookimpl
            def tenant_enabled(tenant, config):
                raise PermissionError("contract with " + tenant.slug + " not signed")
            """,
        ),
    )
    platform = make_platform(entry_points=synthetic.entry_points())
    platform.install("picky", enable=False)
    admin = platform.client("province_admin")
    before = len(audit(platform, "module.enabled"))

    response = admin.post("/api/v1/admin/plugins/picky/enable")

    assert response.status_code == 409, response.json
    assert set(response.json) == {"code", "message", "errors"}
    assert "contract with hue not signed" in response.json["message"]
    picky = state(platform, "picky")
    assert picky["enabled"] is False
    assert picky["failure_count"] == 1
    assert "tenant_enabled" in picky["last_failure"]
    assert len(audit(platform, "module.enabled")) == before
    assert platform.client().get("/m/picky/hello").status_code == 404
