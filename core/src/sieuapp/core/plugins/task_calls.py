"""Calling one plugin's hook from an outbox task, for the task's tenant.

The module states are read in the task's own transaction (what it must answer for), a module
switched off meanwhile is skipped, and the hook's outcome is counted against the plugin like a
request's; raising lets the outbox retry with back-off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from .._runtime import runtime_of
from ..tenancy.context import TenantContext
from ._acting import acting_for
from ._containment import count_task_outcomes
from ._host import HookFailed
from ._states import StateSnapshot, read_states

log = logging.getLogger("sieuapp.plugins")


def states_in(session: Session, tenant_id: int) -> dict[str, StateSnapshot]:
    """The tenant's module states as this transaction sees them: a configuration or enablement
    not yet committed is what the plugin must answer for."""
    session.flush()
    return read_states(session, tenant_id)


def call_from_task(
    session: Session,
    tenant: TenantContext,
    plugin_id: str,
    hook: str,
    still_wanted: Callable[[], bool] = lambda: True,
    **kwargs: Any,
) -> bool:
    """Call ``hook`` of ``plugin_id`` for ``tenant``; False (not called) when the module is off
    or ``still_wanted()`` says the call lost its point. Raises ``HookFailed`` to be retried."""
    runtime = runtime_of()
    with acting_for(tenant, states_in(session, tenant.id)):
        state = runtime.tenant_states().get(plugin_id)
        if state is None or not state.enabled:
            log.info("%s: module %r is off for %s, not calling it", hook, plugin_id, tenant.slug)
            return False
        if not still_wanted():
            return False
        if plugin_id not in runtime.host.services:
            # Switched on but not loaded by this process: a later attempt (after a fix and a
            # restart) can still deliver it.
            raise RuntimeError(f"plugin {plugin_id!r} is not loaded in this process")
        failing = False
        try:
            runtime.host.call(plugin_id, hook, tenant.id, tenant=tenant.info(), **kwargs)
        except HookFailed:
            failing = True
            raise
        finally:
            count_task_outcomes(
                session,
                runtime.sessionmaker,
                runtime.settings.plugin_failure_limit,
                failing=failing,
            )
    return True
