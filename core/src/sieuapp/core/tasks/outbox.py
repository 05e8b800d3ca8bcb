"""Writing tasks to the outbox, and running one outbox message."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ..db import utcnow
from ._registry import TaskRegistry
from .models import OutboxMessage

log = logging.getLogger("sieuapp.tasks")
PENDING_KEY = "sieuapp_outbox_ids"

#: What ``run_message`` answers besides a message's own status (pending, done, dead).
MISSING = "missing"
#: Another worker holds the message right now (PostgreSQL only); it is not run twice.
BUSY = "busy"
#: The message is pending but not due yet (a retry's backoff, or a delayed task).
WAITING = "waiting"


def enqueue(
    session: Session,
    task: str,
    payload: Mapping[str, Any],
    tenant_id: int | None = None,
    delay: float = 0,
    max_attempts: int = 8,
) -> str:
    """Add a task to ``session``: it is dispatched only if that transaction commits."""
    if max_attempts < 1:
        raise ValueError(f"task {task!r}: max_attempts must be at least 1, not {max_attempts}")
    message = OutboxMessage(
        task=task,
        payload=dict(payload),
        tenant_id=tenant_id,
        available_at=utcnow() + timedelta(seconds=max(delay, 0)),
        max_attempts=max_attempts,
        attempts=0,
        status="pending",
    )
    session.add(message)
    session.flush()
    if delay <= 0:
        session.info.setdefault(PENDING_KEY, []).append(message.id)
    return message.id


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: 2, 4, 8 … seconds, at most an hour."""
    return timedelta(seconds=min(2 ** min(attempts, 12), 3600))


Executor = Callable[[OutboxMessage, Any, Session], None]


def _claim(session: Session, message_id: str) -> OutboxMessage | str:
    """The message, locked for this transaction, or why it is not to be run now."""
    query = select(OutboxMessage).where(OutboxMessage.id == message_id)
    if session.get_bind().dialect.name == "postgresql":
        message = session.scalar(query.with_for_update(skip_locked=True))
        if message is None:
            exists = session.scalar(
                select(OutboxMessage.status).where(OutboxMessage.id == message_id)
            )
            return MISSING if exists is None else BUSY
    else:
        # SQLite has no row locks: a write as the transaction's first statement takes the
        # database's write lock, so a second runner (thread or process) waits here and then
        # reads the status the first one committed.
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status=OutboxMessage.status)
            .execution_options(synchronize_session=False)
        )
        message = session.scalar(query)
        if message is None:
            return MISSING
    if message.status != "pending":
        return message.status
    if message.available_at > utcnow():
        return WAITING
    return message


def _failed(message: OutboxMessage, error: str, retry: bool = True) -> None:
    message.last_error = error[:2000]
    if not retry or message.attempts >= message.max_attempts:
        message.status = "dead"
        log.error("task %s (%s) gave up: %s", message.task, message.id, message.last_error)
    else:
        message.available_at = utcnow() + backoff(message.attempts)
        log.warning("task %s (%s) failed, retrying: %s", message.task, message.id, error)


def run_message(
    factory: sessionmaker[Session], registry: TaskRegistry, message_id: str, execute: Executor
) -> str:
    """Run one due message at most once at a time; returns its new status, or ``missing``,
    ``busy`` or ``waiting`` when it was not run.

    The task runs in the same transaction as the message's status, so its effects and "done"
    commit together; the row is locked (FOR UPDATE SKIP LOCKED on PostgreSQL, the database
    write lock on SQLite), so two workers handed the same id never both run it.
    """
    with factory() as session, session.begin():
        claimed = _claim(session, message_id)
        if isinstance(claimed, str):
            return claimed
        message = claimed
        message.attempts += 1
        entry = registry.get(message.task)
        if entry is None:
            # Retrying cannot make a name appear; a typo or a removed task is dead at once.
            _failed(
                message,
                f"LookupError: no task named {message.task!r} is registered "
                f"(known: {', '.join(registry.names()) or 'none'})",
                retry=False,
            )
            return message.status
        queued = session.info.setdefault(PENDING_KEY, [])
        already_queued = len(queued)
        try:
            with session.begin_nested():
                execute(message, entry, session)
        except Exception as exc:  # noqa: BLE001 - a task failure must not kill the worker
            # The savepoint took the task's writes away, the tasks it queued included.
            del queued[already_queued:]
            _failed(message, "".join(traceback.format_exception_only(exc)).strip())
            return message.status
        message.status = "done"
        message.done_at = utcnow()
        return message.status


def due_ids(factory: sessionmaker[Session], limit: int = 100) -> list[str]:
    """Pending messages whose time has come, oldest first."""
    with factory() as session:
        return list(
            session.scalars(
                select(OutboxMessage.id)
                .where(OutboxMessage.status == "pending", OutboxMessage.available_at <= utcnow())
                .order_by(OutboxMessage.available_at)
                .limit(limit)
            )
        )
