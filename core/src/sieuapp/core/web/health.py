"""Liveness (the process answers) and readiness (database, migrations, each plugin's health)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint
from sieuapp.sdk import Health
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

from .._runtime import runtime_of
from ..db import current_session
from ..identity.principal import caller_roles
from ..plugins._host import HookFailed
from ..plugins.api import WATCHERS
from ..plugins.schema import schema_behind
from ..tenancy.context import current_tenant, resolve_request_tenant
from .markers import tenantless

blp = Blueprint("health", __name__)
log = logging.getLogger("sieuapp.health")


@blp.get("/healthz")
@tenantless
def healthz() -> Any:
    return {"status": "ok"}


@blp.get("/readyz")
@tenantless
def readyz() -> Any:
    runtime = runtime_of()
    try:
        current_session().execute(text("SELECT 1"))
        resolve_request_tenant(runtime)
        behind = schema_behind(runtime)
    except HTTPException:
        raise
    except Exception as exc:  # noqa: BLE001 - the reason goes to the log, not to the caller
        log.error("readiness check failed: %s", exc)
        return {"status": "unavailable", "database": "unreachable"}, 503
    if behind:
        return {
            "status": "unavailable",
            "database": "migrations pending: run 'sieuapp db upgrade'",
        }, 503
    tenant = current_tenant()
    report: dict[str, Any] = {"status": "ok", "tenant": tenant.slug, "database": "ok"}
    plugins: dict[str, Any] = {}
    for record in sorted(runtime.host.records.values(), key=lambda r: r.id):
        if not record.loaded:
            plugins[record.id] = {"ok": False, "detail": "; ".join(record.problems)}
            continue
        state = runtime.tenant_states().get(record.id)
        if state is None or not state.enabled:
            continue
        plugins[record.id] = _plugin_health(runtime, record.id, tenant)
    if any(not p["ok"] for p in plugins.values()):
        report["status"] = "degraded"
    if not caller_roles().intersection(WATCHERS):
        # Reasons name files and errors; load balancers only need to know what is up.
        plugins = {plugin_id: {"ok": p["ok"]} for plugin_id, p in plugins.items()}
    report["plugins"] = plugins
    return report


def _plugin_health(runtime: Any, plugin_id: str, tenant: Any) -> dict[str, Any]:
    try:
        result = runtime.host.call(plugin_id, "health", tenant.id, tenant=tenant.info())
    except HookFailed as exc:
        return {"ok": False, "detail": exc.error}
    if result is None:
        return {"ok": True, "detail": ""}
    if not isinstance(result, Health):
        return {"ok": False, "detail": f"health returned {type(result).__name__}, not Health"}
    return {"ok": result.ok, "detail": result.detail}
