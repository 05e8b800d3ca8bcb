"""Each tenant's module states, cached per process and refreshed when the tenant's
``modules_version`` moves, so that every worker sees a change on its next request."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..tenancy.models import Tenant
from .models import ModuleState


@dataclass(frozen=True)
class StateSnapshot:
    plugin_id: str
    installed_version: str
    enabled: bool
    config: dict[str, Any]
    failure_count: int
    last_failure: str | None
    disabled_reason: str | None


class ModuleStateCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_tenant: dict[int, tuple[int, dict[str, StateSnapshot]]] = {}

    def states(
        self, session: Callable[[], Session], tenant_id: int, version: int
    ) -> dict[str, StateSnapshot]:
        """The states at ``version``; ``session`` is called only when they must be read."""
        hit = self._by_tenant.get(tenant_id)
        if hit is not None and hit[0] == version:
            return hit[1]
        snapshot = read_states(session(), tenant_id)
        with self._lock:
            self._by_tenant[tenant_id] = (version, snapshot)
        return snapshot


def read_states(session: Session, tenant_id: int) -> dict[str, StateSnapshot]:
    """The tenant's module states as ``session`` sees them, by plugin id."""
    rows = session.scalars(select(ModuleState).where(ModuleState.tenant_id == tenant_id))
    return {
        row.plugin_id: StateSnapshot(
            plugin_id=row.plugin_id,
            installed_version=row.installed_version,
            enabled=row.enabled,
            config=dict(row.config or {}),
            failure_count=row.failure_count,
            last_failure=row.last_failure,
            disabled_reason=row.disabled_reason,
        )
        for row in rows
    }


VERSIONS_KEY = "sieuapp_module_versions"


def bump_version(session: Session, tenant_id: int) -> None:
    """Tell every worker that this tenant's modules changed (commits with the change; the new
    version is published to the stamps after the commit)."""
    version = session.execute(
        update(Tenant)
        .where(Tenant.id == tenant_id)
        .values(modules_version=Tenant.modules_version + 1)
        .returning(Tenant.modules_version)
    ).scalar_one()
    versions = session.info.setdefault(VERSIONS_KEY, {})
    versions[tenant_id] = max(version, versions.get(tenant_id, 0))
