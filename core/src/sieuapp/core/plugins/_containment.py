"""One plugin's failure is contained: logged, counted per tenant, and after repeated
failures the module is switched off for that tenant, with an audit entry."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import g, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from ..audit.log import record as audit
from ..db import unit_of_work
from ._states import bump_version
from .models import ModuleState

log = logging.getLogger("sieuapp.plugins")
PENDING_OUTCOMES = "_sieuapp_plugin_failures"


@dataclass(frozen=True)
class Failure:
    tenant_id: int | None
    plugin_id: str
    hook: str
    #: None records a success, which ends a run of failures.
    error: str | None


def note_outcome(
    factory: sessionmaker[Session],
    limit: int,
    failure: Failure,
    exc: BaseException | None = None,
) -> None:
    """Record a failure (or, with ``error=None``, a success after failures); inside an app
    context it is written after the context's own transaction ends, so that a rollback does not
    erase it and SQLite's write lock is free. ``exc`` puts the traceback in the log."""
    if failure.error is not None:
        log.error(
            "plugin %r failed in hook %r for tenant %s: %s",
            failure.plugin_id,
            failure.hook,
            failure.tenant_id,
            failure.error,
            exc_info=exc,
        )
    if has_app_context():
        g.setdefault(PENDING_OUTCOMES, []).append(failure)
    else:
        write_outcomes(factory, limit, [failure])


def flush_outcomes(factory: sessionmaker[Session], limit: int) -> None:
    if has_app_context():
        pending = g.pop(PENDING_OUTCOMES, None)
        if pending:
            write_outcomes(factory, limit, pending)


def count_task_outcomes(
    session: Session, factory: sessionmaker[Session], limit: int, *, failing: bool
) -> None:
    """Write the hook outcomes an outbox task's plugin calls left for the context's teardown.

    The teardown writes through a session of its own, which would wait for (SQLite) or race
    with the lock the task's open transaction holds; so they are written in the task's session.
    When the task is about to raise, its rollback would take the count with it: then they are
    written once the outbox has committed the failed attempt."""
    pending: list[Failure] = g.pop(PENDING_OUTCOMES, [])
    if not pending:
        return
    if not failing:
        for failure in pending:
            count_outcome(session, limit, failure)
        return

    def write(_: Session) -> None:
        write_outcomes(factory, limit, pending)

    event.listen(session, "after_commit", write, once=True)


def write_outcomes(factory: sessionmaker[Session], limit: int, failures: list[Failure]) -> None:
    for failure in failures:
        if failure.tenant_id is None:
            continue
        try:
            with unit_of_work(factory) as session:
                count_outcome(session, limit, failure)
        except Exception:  # noqa: BLE001 - counting must never break the caller
            log.exception("could not record the failure of plugin %r", failure.plugin_id)


def count_outcome(session: Session, limit: int, failure: Failure) -> None:
    # Locked, so that two workers failing at once both count (PostgreSQL; SQLite serializes).
    state = session.scalar(
        select(ModuleState)
        .where(
            ModuleState.tenant_id == failure.tenant_id, ModuleState.plugin_id == failure.plugin_id
        )
        .with_for_update()
    )
    if state is None:
        return
    if failure.error is None:
        if state.failure_count:
            state.failure_count = 0
            bump_version(session, failure.tenant_id)
        return
    state.failure_count += 1
    state.last_failure = f"hook '{failure.hook}': {failure.error}"[:2000]
    if state.enabled and state.failure_count >= limit:
        state.enabled = False
        state.disabled_reason = (
            f"switched off after {state.failure_count} failures in a row; "
            f"last: {state.last_failure}"
        )
        audit(
            session,
            "module.auto_disabled",
            tenant_id=failure.tenant_id,
            target=failure.plugin_id,
            before={"enabled": True},
            after={"enabled": False, "reason": state.disabled_reason},
            plugin_id=failure.plugin_id,
        )
        log.error("plugin %r switched off for tenant %s", failure.plugin_id, failure.tenant_id)
    bump_version(session, failure.tenant_id)
