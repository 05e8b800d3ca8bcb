"""Writing tasks to the outbox, and running one outbox message."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..db import utcnow
from ._registry import TaskRegistry
from .models import OutboxMessage

log = logging.getLogger("sieuapp.tasks")
PENDING_KEY = "sieuapp_outbox_ids"


def enqueue(
    session: Session,
    task: str,
    payload: Mapping[str, Any],
    tenant_id: int | None = None,
    delay: float = 0,
    max_attempts: int = 8,
) -> str:
    """Add a task to ``session``: it is dispatched only if that transaction commits."""
    message = OutboxMessage(
        task=task,
        payload=dict(payload),
        tenant_id=tenant_id,
        available_at=utcnow() + timedelta(seconds=delay),
        max_attempts=max_attempts,
    )
    session.add(message)
    session.flush()
    if delay <= 0:
        session.info.setdefault(PENDING_KEY, []).append(message.id)
    return message.id


def backoff(attempts: int) -> timedelta:
    """2, 4, 8 … seconds, at most an hour."""
    return timedelta(seconds=min(2**attempts, 3600))


Executor = Callable[[OutboxMessage, Any, Session], None]


def run_message(
    factory: sessionmaker[Session], registry: TaskRegistry, message_id: str, execute: Executor
) -> str:
    """Run one due message at most once at a time; returns its new status.

    The task runs in the same transaction as the message's status, so its effects and "done"
    commit together; the row is locked (FOR UPDATE SKIP LOCKED on PostgreSQL), so two workers
    handed the same id never both run it.
    """
    with factory() as session, session.begin():
        query = select(OutboxMessage).where(OutboxMessage.id == message_id)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        message = session.scalar(query)
        if message is None or message.status != "pending" or message.available_at > utcnow():
            return message.status if message else "missing"
        entry = registry.get(message.task)
        message.attempts += 1
        try:
            if entry is None:
                raise LookupError(f"no task named {message.task!r} is registered")
            with session.begin_nested():
                execute(message, entry, session)
        except Exception as exc:  # noqa: BLE001 - a task failure must not kill the worker
            message.last_error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
            if message.attempts >= message.max_attempts:
                message.status = "dead"
                log.error("task %s (%s) gave up: %s", message.task, message.id, message.last_error)
            else:
                message.available_at = utcnow() + backoff(message.attempts)
                log.warning("task %s (%s) failed, retrying: %s", message.task, message.id, exc)
            return message.status
        message.status = "done"
        message.done_at = utcnow()
        return message.status


def due_ids(factory: sessionmaker[Session], limit: int = 100) -> list[str]:
    with factory() as session:
        return list(
            session.scalars(
                select(OutboxMessage.id)
                .where(OutboxMessage.status == "pending", OutboxMessage.available_at <= utcnow())
                .order_by(OutboxMessage.available_at)
                .limit(limit)
            )
        )
