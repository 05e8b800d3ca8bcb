"""Everything one app instance holds: settings, database, plugins, background work."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from .db import current_session
from .db._session import _KEY as SESSION_KEY
from .plugins._acting import STATES_KEY
from .plugins._states import VERSIONS_KEY, ModuleStateCache, StateSnapshot
from .settings import Settings
from .storage.files import FileStore
from .tasks._registry import TaskRegistry
from .tasks.outbox import PENDING_KEY, due_ids, run_message
from .tasks.periodic import PeriodicJob, core_jobs
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
    #: Jobs run every so often by the task backend (``tasks.periodic``), by name.
    periodic_jobs: dict[str, PeriodicJob] = field(default_factory=core_jobs)
    #: When this process last ran each periodic job (monotonic seconds).
    periodic_last: dict[str, float] = field(default_factory=dict)
    celery: Any = None
    app: Flask = None  # type: ignore[assignment]

    def tenant_states(self) -> dict[str, StateSnapshot]:
        """Module states of the current tenant, read at most once per context."""
        cached = g.get(STATES_KEY)
        if cached is None:
            tenant = current_tenant()
            cached = self.states.states(current_session, tenant.id, tenant.modules_version)
            setattr(g, STATES_KEY, cached)
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

    def run_periodic(self, name: str) -> object:
        """Run one periodic job in its own unit of work, in an app context as a task."""
        job = self.periodic_jobs[name]
        function = job.function()
        session = self.sessionmaker()
        try:
            with self.app.app_context():
                setattr(g, SESSION_KEY, session)
                g.principal = None
                try:
                    result = function(session)
                finally:
                    g.pop(SESSION_KEY, None)
            session.commit()
            return result
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def run_due_periodic(self) -> list[str]:
        """Run the periodic jobs whose interval has passed in this process; a failing job is
        logged and tried again at its next interval."""
        ran = []
        for name, job in self.periodic_jobs.items():
            now = time.monotonic()
            last = self.periodic_last.get(name)
            if last is not None and now - last < job.seconds:
                continue
            self.periodic_last[name] = now
            try:
                self.run_periodic(name)
            except Exception:  # noqa: BLE001
                logging.getLogger("sieuapp.tasks").exception("periodic job %s failed", name)
                continue
            ran.append(name)
        return ran

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
