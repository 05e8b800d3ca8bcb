"""Installing, enabling, disabling and configuring a module for a tenant. Used by the admin
API and the CLI alike; every change is audited and bumps the tenant's modules version."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sieuapp.sdk.errors import Conflict, NotFound, PlatformError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.log import record as audit
from ..db import migrate
from ..identity.oidc import clients
from ..reports import plugin_bridge
from ..tenancy.context import current_tenant
from . import _config as config
from ._host import HookFailed
from ._states import bump_version
from .models import ModuleState
from .schema import installed_branches

if TYPE_CHECKING:
    from .._runtime import Runtime
    from ._record import PluginRecord


@dataclass(frozen=True)
class Actor:
    user_id: str | None
    label: str


class PluginRefused(PlatformError):
    status = 409
    code = "plugin_hook_failed"


def record_any(runtime: Runtime, plugin_id: str) -> PluginRecord:
    record = runtime.host.records.get(plugin_id)
    if record is None:
        raise NotFound(f"No plugin {plugin_id!r} is installed on this platform.")
    return record


def _record(runtime: Runtime, plugin_id: str) -> PluginRecord:
    record = record_any(runtime, plugin_id)
    if not record.loaded:
        raise Conflict(
            f"Plugin {plugin_id!r} failed to load: {'; '.join(record.problems)}",
            {"plugin": record.problems},
        )
    return record


def state_of(session: Session, tenant_id: int, plugin_id: str) -> ModuleState | None:
    return session.scalar(
        select(ModuleState).where(
            ModuleState.tenant_id == tenant_id, ModuleState.plugin_id == plugin_id
        )
    )


def _installed(session: Session, tenant_id: int, plugin_id: str) -> ModuleState:
    state = state_of(session, tenant_id, plugin_id)
    if state is None:
        raise Conflict(f"Module {plugin_id!r} is not installed for this tenant; install it first.")
    return state


def _snapshot(state: ModuleState, record: PluginRecord) -> dict[str, Any]:
    assert record.manifest is not None
    return {
        "installed_version": state.installed_version,
        "enabled": state.enabled,
        "config": config.public(record.manifest, state.config)["values"],
    }


@dataclass(frozen=True)
class ClientCredentials:
    """A plugin client's id and secret, as shown once when the client is made."""

    client_id: str
    client_secret: str


def install(runtime: Runtime, session: Session, plugin_id: str, actor: Actor) -> ModuleState:
    return install_with_client(runtime, session, plugin_id, actor)[0]


def install_with_client(
    runtime: Runtime, session: Session, plugin_id: str, actor: Actor
) -> tuple[ModuleState, ClientCredentials | None]:
    """Install the module with its OAuth client; the credentials only when the client is new
    (a reinstall keeps the client, and its secret stays unknown to the platform)."""
    tenant = current_tenant()
    record = _record(runtime, plugin_id)
    assert record.manifest is not None
    existing = state_of(session, tenant.id, plugin_id)
    if existing is not None:
        # A module installed before plugins had clients gets its client now.
        return existing, _ensure_client(session, tenant.id, plugin_id, record, actor)
    if runtime.host.migrations([plugin_id]):
        # Alembic must be able to place every revision the database holds, so the branches
        # of the plugins installed before (in any tenant) come along.
        migrate.upgrade(runtime.engine, installed_branches(runtime, also=plugin_id)[0])
    initial, _missing = config.defaults(record.manifest)
    state = ModuleState(
        tenant_id=tenant.id,
        plugin_id=plugin_id,
        installed_version=record.version,
        enabled=False,
        config=initial,
    )
    session.add(state)
    session.flush()
    _audit(session, "module.installed", tenant.id, plugin_id, actor, None, _snapshot(state, record))
    credentials = _ensure_client(session, tenant.id, plugin_id, record, actor)
    bump_version(session, tenant.id)
    return state, credentials


def _ensure_client(
    session: Session, tenant_id: int, plugin_id: str, record: PluginRecord, actor: Actor
) -> ClientCredentials | None:
    assert record.manifest is not None
    client, secret = clients.ensure_plugin_client(
        session,
        tenant_id,
        plugin_id,
        record.manifest,
        actor=clients.Actor(actor.user_id, actor.label),
    )
    return ClientCredentials(client.client_id, secret) if secret is not None else None


def enable(runtime: Runtime, session: Session, plugin_id: str, actor: Actor) -> ModuleState:
    tenant = current_tenant()
    record = _record(runtime, plugin_id)
    assert record.manifest is not None
    state = _installed(session, tenant.id, plugin_id)
    if state.enabled:
        return state
    # A module whose required settings are missing would fail its first citizen.
    config.validate(record.manifest, state.config, state.config)
    before = _snapshot(state, record)
    try:
        runtime.host.call(
            plugin_id, "tenant_enabled", tenant.id, tenant=tenant.info(), config=dict(state.config)
        )
    except HookFailed as exc:
        raise PluginRefused(f"Module {plugin_id!r} could not be enabled: {exc.error}") from exc
    state.enabled = True
    state.failure_count = 0
    state.disabled_reason = None
    _audit(session, "module.enabled", tenant.id, plugin_id, actor, before, _snapshot(state, record))
    # A category the plugin gets wrong is recorded against it; the module is enabled anyway.
    plugin_bridge.sync_plugin_categories(runtime, session, tenant.id, plugin_id)
    bump_version(session, tenant.id)
    return state


def disable(runtime: Runtime, session: Session, plugin_id: str, actor: Actor) -> ModuleState:
    tenant = current_tenant()
    record = _record(runtime, plugin_id)
    state = _installed(session, tenant.id, plugin_id)
    if not state.enabled:
        return state
    before = _snapshot(state, record)
    # Switching a module off must always work; the hook's failure is recorded by the host.
    with suppress(HookFailed):
        runtime.host.call(plugin_id, "tenant_disabled", tenant.id, tenant=tenant.info())
    state.enabled = False
    plugin_bridge.retire_plugin_categories(session, tenant.id, plugin_id)
    _audit(
        session, "module.disabled", tenant.id, plugin_id, actor, before, _snapshot(state, record)
    )
    bump_version(session, tenant.id)
    return state


def configure(
    runtime: Runtime, session: Session, plugin_id: str, data: Any, actor: Actor
) -> ModuleState:
    tenant = current_tenant()
    record = _record(runtime, plugin_id)
    assert record.manifest is not None
    state = _installed(session, tenant.id, plugin_id)
    previous = dict(state.config)
    new = config.validate(record.manifest, data, previous)
    if new == previous:
        return state
    before = _snapshot(state, record)
    if state.enabled:
        try:
            runtime.host.call(
                plugin_id,
                "config_changed",
                tenant.id,
                tenant=tenant.info(),
                config=dict(new),
                previous=previous,
            )
        except HookFailed as exc:
            raise PluginRefused(
                f"Module {plugin_id!r} refused the configuration: {exc.error}"
            ) from exc
    state.config = new
    after = _snapshot(state, record)
    changed_secrets = sorted(
        k for k in config.secret_fields(record.manifest) if previous.get(k) != new.get(k)
    )
    if changed_secrets:
        after["secrets_changed"] = changed_secrets
    _audit(session, "module.configured", tenant.id, plugin_id, actor, before, after)
    if state.enabled:
        # The categories may follow the configuration (which organization handles them).
        plugin_bridge.sync_plugin_categories(runtime, session, tenant.id, plugin_id)
    bump_version(session, tenant.id)
    return state


def _audit(
    session: Session,
    action: str,
    tenant_id: int,
    plugin_id: str,
    actor: Actor,
    before: Any,
    after: Any,
) -> None:
    audit(
        session,
        action,
        tenant_id=tenant_id,
        actor_id=actor.user_id,
        actor_label=actor.label,
        target=plugin_id,
        before=before,
        after=after,
        plugin_id=plugin_id,
    )
