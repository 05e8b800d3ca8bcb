"""Publishing an event to an organization's endpoints, in the caller's transaction.

``publish`` writes the event, one delivery per enabled endpoint subscribed to its type, and an
outbox task per delivery, all in the session it is given: if the caller's transaction rolls
back nothing is sent, and once it commits nothing is lost, even if the process dies before the
request goes out."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import clock
from ..db import new_id
from ..plugins._acting import savepoint_safe
from ..tenancy.models import Organization
from .events import is_event_type
from .models import WebhookDelivery, WebhookEndpoint, WebhookEvent

TASK = "webhooks.deliver"
#: ``msg_`` and up to 60 of ``[A-Za-z0-9_-]``: no full stop, which the signed content
#: ``{id}.{timestamp}.{body}`` uses as its delimiter.
EVENT_ID = re.compile(r"^msg_[A-Za-z0-9_-]{1,60}$")
#: Standard Webhooks recommends payloads under 20 kB; past this one a link belongs in the data.
BODY_MAX = 64 * 1024
#: A task that fails for a reason of ours (not the receiver's) is tried this often by the outbox;
#: the periodic sweep picks the delivery up after that.
TASK_ATTEMPTS = 3


def new_event_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def event_id_for(*parts: str) -> str:
    """A stable event id derived from what identifies the event, e.g.
    ``event_id_for("payment.succeeded", transfer_id)``: publishing twice with it sends once."""
    if not parts or not all(isinstance(p, str) and p for p in parts):
        raise ValueError("event_id_for needs one or more non-empty strings")
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()[:24]
    return "msg_" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def payload_body(event_type: str, occurred_at: datetime, data: Mapping[str, Any]) -> str:
    """The JSON body every endpoint receives: ``{"type", "timestamp", "data"}``, minified; the
    exact text is stored, because the signature covers these bytes and nothing else."""
    if not isinstance(data, Mapping):
        raise TypeError("webhook data must be a JSON object (a mapping)")
    body = json.dumps(
        {"type": event_type, "timestamp": _timestamp(occurred_at), "data": dict(data)},
        ensure_ascii=False,
        separators=(",", ":"),
        allow_nan=False,
    )
    if len(body.encode()) > BODY_MAX:
        raise ValueError(f"webhook payload over {BODY_MAX} bytes; send an id or a link instead")
    return body


def subscribed(
    session: Session, tenant_id: int, organization_id: int, event_type: str
) -> list[WebhookEndpoint]:
    """The organization's enabled endpoints that receive ``event_type``."""
    rows = session.scalars(
        select(WebhookEndpoint)
        .where(
            WebhookEndpoint.tenant_id == tenant_id,
            WebhookEndpoint.organization_id == organization_id,
            WebhookEndpoint.enabled.is_(True),
        )
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )
    # A handful per organization: filtering the JSON list here works the same on every backend.
    return [row for row in rows if event_type in (row.event_types or ())]


def _existing(
    session: Session, tenant_id: int, organization_id: int, event_id: str
) -> WebhookEvent | None:
    return session.scalar(
        select(WebhookEvent).where(
            WebhookEvent.tenant_id == tenant_id,
            WebhookEvent.organization_id == organization_id,
            WebhookEvent.message_id == event_id,
        )
    )


def publish(
    session: Session,
    tenant_id: int,
    organization_id: int,
    event_type: str,
    data: Mapping[str, Any],
    *,
    event_id: str | None = None,
    occurred_at: datetime | None = None,
) -> str:
    """Send ``event_type`` with ``data`` to the organization's subscribed endpoints once
    ``session`` commits; returns the event id (``webhook-id``).

    Pass ``event_id`` (see :func:`event_id_for`) to make publishing idempotent: an id already
    published to this organization sends nothing again. Raises ``LookupError`` for an event type
    nobody registered or an organization not in the tenant, ``ValueError``/``TypeError`` for an
    id or data that cannot be sent; those are the caller's bugs, found before anything is written.
    """
    if not is_event_type(event_type):
        raise LookupError(f"event type {event_type!r} is not registered (register_event_type)")
    if event_id is None:
        event_id = new_event_id()
    elif not EVENT_ID.match(event_id):
        raise ValueError(f"event id {event_id!r}: use 'msg_' and up to 60 of [A-Za-z0-9_-]")
    body = payload_body(event_type, occurred_at or clock.now(), data)
    organization = session.get(Organization, organization_id)
    if organization is None or organization.tenant_id != tenant_id:
        raise LookupError(f"organization {organization_id} is not in tenant {tenant_id}")
    existing = _existing(session, tenant_id, organization_id, event_id)
    if existing is not None:
        if existing.event_type != event_type:
            raise ValueError(f"event id {event_id!r} was published as {existing.event_type!r}")
        return event_id
    endpoints = subscribed(session, tenant_id, organization_id, event_type)
    if not endpoints:
        # Nobody listens: nothing to keep. Publishing the id again later, once someone does,
        # sends it then, which is what a receiver who was not there would want.
        return event_id
    now = clock.now()
    event = WebhookEvent(
        tenant_id=tenant_id,
        organization_id=organization_id,
        message_id=event_id,
        event_type=event_type,
        body=body,
        created_at=now,
    )
    if savepoint_safe(session):
        try:
            # A concurrent publish of the same id (the unique key) then loses only this.
            with session.begin_nested():
                session.add(event)
        except IntegrityError:
            return event_id
    else:
        # SQLite before the transaction's first write: a SAVEPOINT would become the outermost
        # transaction, and its release would commit the caller's work.
        session.add(event)
        session.flush()
    deliveries = [
        WebhookDelivery(
            id=new_id(),
            tenant_id=tenant_id,
            endpoint_id=endpoint.id,
            event_id=event.id,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        for endpoint in endpoints
    ]
    session.add_all(deliveries)
    session.flush()
    for delivery in deliveries:
        queue(session, delivery)
    return event_id


def queue(session: Session, delivery: WebhookDelivery, delay: float = 0) -> None:
    """Ask the task backend to try ``delivery`` after ``delay`` seconds (after the commit)."""
    from ..tasks.outbox import enqueue

    enqueue(
        session,
        TASK,
        {"id": delivery.id},
        tenant_id=delivery.tenant_id,
        delay=delay,
        max_attempts=TASK_ATTEMPTS,
    )
