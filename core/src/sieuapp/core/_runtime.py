"""Everything one app instance holds: settings, database, plugins, background work."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from .db import current_session
from .db._session import _KEY as SESSION_KEY
from .plugins._states import VERSIONS_KEY, ModuleStateCache, StateSnapshot
from .settings import Settings
from .storage.files import FileStore
from .tasks._registry import TaskRegistry
from .tasks.outbox import PENDING_KEY, due_ids, run_message
from .tenancy.context import TenantContext, current_tenant
from .tenancy.stamps import Stamps

if TYPE_CHECKING:
    from .plugins._host import PluginHost


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessionmaker: sessionmaker[Session]
    files: FileStore
    stamps: Stamps
    task_registry: TaskRegistry = field(default_factory=TaskRegistry)
    states: ModuleStateCache = field(default_factory=ModuleStateCache)
    #: Tenants by slug as last read, trusted while the stamps say their version is current.
    tenants: dict[str, TenantContext] = field(default_factory=dict)
    host: PluginHost = None  # type: ignore[assignment]
    task_backend: Any = None
    celery: Any = None
    app: Flask = None  # type: ignore[assignment]

    def tenant_states(self) -> dict[str, StateSnapshot]:
        """Module states of the current tenant, read at most once per context."""
        cached = g.get("_sieuapp_states")
        if cached is None:
            tenant = current_tenant()
            cached = self.states.states(current_session, tenant.id, tenant.modules_version)
            g._sieuapp_states = cached
        return cached

    # -- background work -----------------------------------------------------------------

    def watch_commits(self) -> None:
        """After a commit: dispatch the outbox messages it wrote, and publish the module
        versions it moved, so that every worker's next request sees the change."""

        @event.listens_for(self.sessionmaker, "after_commit")
        def _after_commit(session: Session) -> None:
            for tenant_id, version in session.info.pop(VERSIONS_KEY, {}).items():
                self.stamps.publish(tenant_id, version)
            ids = session.info.pop(PENDING_KEY, None)
            if ids:
                self.task_backend.dispatch(ids)

        @event.listens_for(self.sessionmaker, "after_rollback")
        def _after_rollback(session: Session) -> None:
            session.info.pop(PENDING_KEY, None)
            session.info.pop(VERSIONS_KEY, None)

    def due_outbox_ids(self) -> list[str]:
        return due_ids(self.sessionmaker)

    def run_outbox_message(self, message_id: str) -> str:
        return run_message(self.sessionmaker, self.task_registry, message_id, self._execute)

    def _execute(self, message: Any, entry: Any, session: Session) -> None:
        with self.app.app_context():
            setattr(g, SESSION_KEY, session)
            # A task acts for the platform or its plugin, not for the request that queued it.
            g.principal = None
            try:
                if entry.plugin_id is None:
                    entry.function(message.payload)
                    return
                from .tenancy.context import load_tenant_by_id

                tenant: TenantContext | None = load_tenant_by_id(message.tenant_id)
                if tenant is None:
                    raise LookupError(f"tenant {message.tenant_id} no longer exists")
                g.tenant = tenant
                state = self.tenant_states().get(entry.plugin_id)
                if state is None or not state.enabled:
                    raise PermissionError(
                        f"module {entry.plugin_id!r} is not enabled for tenant {tenant.slug!r}"
                    )
                entry.function(message.payload, self.host.services[entry.plugin_id])
            finally:
                # The outbox runner owns this session; the context must not close it.
                g.pop(SESSION_KEY, None)


def runtime_of(app: Flask | None = None) -> Runtime:
    """The runtime of ``app``, or of the current app."""
    return (app or current_app).extensions["sieuapp"]
