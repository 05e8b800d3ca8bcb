"""Calling the personal-data hooks of every plugin that may hold a user's data, in every tenant,
each call contained: a failing plugin is named in the answer, never takes the request down."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..._runtime import runtime_of
from ...db import current_session
from ...plugins._acting import acting_for, savepoint_safe
from ...plugins._host import HookFailed
from ...plugins._loader import implements
from ...plugins.models import ModuleState
from ...tenancy.context import TenantContext, load_tenant_by_id

#: Per-request cache of the current tenant's module states (``Runtime.tenant_states``).


@dataclass(frozen=True)
class Outcome:
    """One plugin's answer for one tenant, or why there is none."""

    plugin_id: str
    tenant: str
    tenant_id: int
    answer: Any = None
    #: Why the call failed (for the log and the operator), None when it answered.
    error: str | None = None


def call_one(
    session: Session, plugin_id: str, hook: str, tenant: TenantContext, user_id: str
) -> Outcome:
    """Call ``hook`` of one plugin for one tenant in a savepoint: what a failing hook wrote is
    undone, and on PostgreSQL its SQL error does not abort the request's transaction."""
    host = runtime_of().host
    savepoint = session.begin_nested() if savepoint_safe(session) else None
    with acting_for(tenant):
        try:
            answer = host.call(plugin_id, hook, tenant.id, user_id=user_id, tenant=tenant.info())
        except HookFailed as exc:
            if savepoint is not None:
                savepoint.rollback()
            return Outcome(plugin_id, tenant.slug, tenant.id, error=exc.error)
    if savepoint is not None:
        savepoint.commit()
    return Outcome(plugin_id, tenant.slug, tenant.id, answer=answer)


def holders(session: Session, hook: str, *, enabled_only: bool) -> list[tuple[str, TenantContext]]:
    """``(plugin id, tenant)`` for each module installed (and, if asked, enabled) in any tenant
    whose plugin is loaded and implements ``hook``, ordered by tenant then plugin."""
    host = runtime_of().host
    query = select(ModuleState.plugin_id, ModuleState.tenant_id)
    if enabled_only:
        query = query.where(ModuleState.enabled.is_(True))
    rows = session.execute(query.order_by(ModuleState.tenant_id, ModuleState.plugin_id)).all()
    tenants: dict[int, TenantContext | None] = {}
    found = []
    for plugin_id, tenant_id in rows:
        if host.manifest(plugin_id) is None or not implements(host.pm, plugin_id, hook):
            continue
        if tenant_id not in tenants:
            tenants[tenant_id] = load_tenant_by_id(tenant_id)
        tenant = tenants[tenant_id]
        if tenant is not None:
            found.append((plugin_id, tenant))
    return found


def is_json(answer: Any) -> bool:
    """Whether the app's JSON encoder can write ``answer``."""
    try:
        current_app.json.dumps(answer)
    except (TypeError, ValueError):
        return False
    return True


def call_everywhere(hook: str, user_id: str, *, enabled_only: bool) -> list[Outcome]:
    session = current_session()
    return [
        call_one(session, plugin_id, hook, tenant, user_id)
        for plugin_id, tenant in holders(session, hook, enabled_only=enabled_only)
    ]
