"""Trying deliveries: sign, POST, record the attempt, and schedule the next one or give up.

The schedule is the one Standard Webhooks recommends: at once, then after 5 seconds, 5 minutes,
30 minutes, 2, 5, 10, 14, 20 and 24 hours (about three days in all), each delay stretched by up
to a tenth at random so that retries to a receiver that was down do not arrive all at once. A
``Retry-After`` the receiver sends is honoured when it asks for longer. Every attempt of one
delivery carries the same ``webhook-id``, the receiver's key to process it once."""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import clock
from .._runtime import runtime_of
from ..audit.log import record as audit
from ..db import current_session
from . import signing, transport
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from .publishing import TASK, queue

if TYPE_CHECKING:
    from .._runtime import Runtime

log = logging.getLogger("sieuapp.webhooks")

#: Seconds before attempt n + 1, after attempt n failed (n counted from 0 for the first).
SCHEDULE: tuple[int, ...] = (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
MAX_ATTEMPTS = len(SCHEDULE)
JITTER = 0.1
#: A receiver's Retry-After is honoured up to this, so one answer cannot park a delivery forever.
RETRY_AFTER_MAX = 86400
#: Deliveries one sweep tries; each may take up to the timeout.
SWEEP_BATCH = 20
USER_AGENT = "sieuapp-webhooks/1"
GONE = 410


def next_delay(attempts: int, retry_after: float | None = None) -> float | None:
    """Seconds to wait after the ``attempts``-th failed attempt; None once the schedule is over."""
    if attempts >= MAX_ATTEMPTS:
        return None
    delay = SCHEDULE[attempts] * (1 + random.uniform(0, JITTER))
    if retry_after is not None:
        delay = max(delay, min(retry_after, RETRY_AFTER_MAX))
    return delay


def secrets_in_use(endpoint: WebhookEndpoint, secret_key: str, now: datetime) -> list[str]:
    """The endpoint's secret, and the one before it while the rotation's grace period lasts."""
    found = [signing.unseal(endpoint.secret, secret_key)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        found.append(signing.unseal(endpoint.previous_secret, secret_key))
    return found


def _claim(session: Session, ids: Sequence[str], now: datetime) -> list[WebhookDelivery]:
    """The due pending deliveries among ``ids``, locked for this transaction: one that is out,
    given up or not due yet is left alone, so a task run twice sends once."""
    query = (
        select(WebhookDelivery)
        .where(
            WebhookDelivery.id.in_(ids),
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        return list(session.scalars(query.with_for_update(skip_locked=True)))
    # SQLite has no row locks: a write first takes the database's write lock, so another runner
    # waits here and then reads what this one committed.
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(ids))
        .values(status=WebhookDelivery.status)
        .execution_options(synchronize_session=False)
    )
    return list(session.scalars(query.execution_options(populate_existing=True)))


def deliver(session: Session, ids: Sequence[str]) -> int:
    """Try the due deliveries among ``ids``; returns how many the receivers accepted."""
    if not ids:
        return 0
    accepted = 0
    for row in _claim(session, list(ids), clock.now()):
        accepted += _attempt(session, row)
    session.flush()
    return accepted


def _attempt(session: Session, row: WebhookDelivery) -> int:
    settings = runtime_of().settings
    endpoint = session.get(WebhookEndpoint, row.endpoint_id)
    event = session.get(WebhookEvent, row.event_id)
    now = clock.now()
    if endpoint is None or event is None:  # deleted under us; the cascade takes the row too
        return 0
    if not endpoint.enabled:
        row.status = "cancelled"
        row.last_error = "the endpoint is disabled"
        return 0
    body = event.body.encode()
    timestamp = int(now.timestamp())
    try:
        signature = signing.signature_header(
            secrets_in_use(endpoint, settings.secret_key, now), event.message_id, timestamp, body
        )
    except signing.SecretUnreadable as exc:
        answer = transport.Answer(None, str(exc), None, 0)
    else:
        headers = {
            "webhook-id": event.message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature,
            "content-type": "application/json",
            "user-agent": USER_AGENT,
        }
        answer = transport.post(
            endpoint.url, body, headers, settings.webhook_timeout, settings.webhook_allow_local
        )
    session.add(
        WebhookAttempt(
            delivery_id=row.id,
            attempted_at=now,
            status_code=answer.status,
            error=answer.error,
            duration_ms=answer.duration_ms,
        )
    )
    row.attempts += 1
    row.last_status_code = answer.status
    row.last_error = answer.error
    # Ids only: the URL may carry a receiver's own token in its query.
    log.info(
        "webhook %s (%s) to endpoint %s, attempt %d: %s",
        event.message_id,
        event.event_type,
        endpoint.id,
        row.attempts,
        answer.status if answer.status is not None else answer.error,
    )
    if answer.accepted:
        row.status = "delivered"
        row.delivered_at = now
        return 1
    if answer.status == GONE:
        row.status = "failed"
        row.last_error = "410 Gone: the receiver wants no more webhooks; endpoint disabled"
        _disable_gone(session, endpoint, now)
        return 0
    delay = next_delay(row.attempts, answer.retry_after)
    if delay is None:
        row.status = "failed"
        why = answer.error or f"HTTP {answer.status}"
        row.last_error = f"gave up after {row.attempts} attempts: {why}"[:500]
        return 0
    row.next_attempt_at = now + timedelta(seconds=delay)
    queue(session, row, delay)
    return 0


def _disable_gone(session: Session, endpoint: WebhookEndpoint, now: datetime) -> None:
    """A 410 Gone means the receiver is no longer interested: stop sending it anything."""
    # Locked and read again: two deliveries answered 410 at once disable (and audit) once.
    session.refresh(endpoint, with_for_update=True)
    if not endpoint.enabled:
        return
    reason = f"the receiver answered 410 Gone at {now.isoformat(timespec='seconds')}"
    endpoint.enabled = False
    endpoint.disabled_reason = reason
    audit(
        session,
        "webhook_endpoint.disabled",
        tenant_id=endpoint.tenant_id,
        target=f"webhook_endpoint:{endpoint.id}",
        before={"enabled": True},
        after={"enabled": False, "disabled_reason": reason},
    )
    log.warning("webhook endpoint %s disabled: its receiver answered 410 Gone", endpoint.id)


def run_task(payload: Mapping[str, Any]) -> None:
    """Outbox task: try the delivery ``payload["id"]`` if it is due."""
    delivery_id = payload.get("id")
    if isinstance(delivery_id, str):
        deliver(current_session(), [delivery_id])


def run_due(session: Session) -> int:
    """Periodic job: try the deliveries whose time has come, in case their task was lost (or
    the clock was moved); one another runner holds is skipped."""
    ids = list(
        session.scalars(
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= clock.now()
            )
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(SWEEP_BATCH)
        )
    )
    return deliver(session, ids)


def register_tasks(runtime: Runtime) -> None:
    """Register the delivery task with the runtime's task registry."""
    runtime.task_registry.register(TASK, run_task)
