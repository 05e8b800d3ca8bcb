"""Endpoints as the API changes them: registration with a secret shown once, changes, secret
rotation with a grace period, removal and redelivery, each one audited.

No secret ever reaches an audit entry, a log line or a view: only the answers of
:func:`create_endpoint` and :func:`rotate_secret` hold one, and only the new one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from .. import clock
from .._runtime import runtime_of
from ..audit.log import record as audit
from ..db import new_id
from . import signing
from .events import is_event_type
from .models import WebhookDelivery, WebhookEndpoint
from .publishing import queue
from .urls import url_problems

EVENT_TYPES_MAX = 50
#: What a change may touch; the secret has its own operation.
CHANGEABLE = ("url", "description", "event_types", "enabled")


@dataclass(frozen=True)
class Actor:
    user_id: str | None
    label: str


def input_problems(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Field errors of a registration or change (the fields it has), as the API answers them."""
    problems: dict[str, list[str]] = {}
    if "url" in values:
        found = url_problems(values["url"], runtime_of().settings.webhook_allow_local)
        if found:
            problems["url"] = found
    if "event_types" in values:
        names = list(values["event_types"])
        if not names:
            problems["event_types"] = ["Subscribe to at least one event type."]
        elif len(names) > EVENT_TYPES_MAX:
            problems["event_types"] = [f"At most {EVENT_TYPES_MAX} event types."]
        for index, name in enumerate(names):
            if not is_event_type(name):
                problems[f"event_types[{index}]"] = [f"Unknown event type {name!r}."]
    return problems


def _audited(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "organization_id": endpoint.organization_id,
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": list(endpoint.event_types or ()),
        "enabled": endpoint.enabled,
    }


def _record(
    session: Session,
    action: str,
    endpoint: WebhookEndpoint,
    actor: Actor,
    before: Any = None,
    after: Any = None,
) -> None:
    audit(
        session,
        action,
        tenant_id=endpoint.tenant_id,
        actor_id=actor.user_id,
        actor_label=actor.label,
        target=f"webhook_endpoint:{endpoint.id}",
        before=before,
        after=after,
    )


def _secret_key() -> str:
    return runtime_of().settings.secret_key


def create_endpoint(
    session: Session,
    tenant_id: int,
    organization_id: int,
    *,
    url: str,
    event_types: Iterable[str],
    description: str,
    enabled: bool,
    actor: Actor,
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its secret, which the caller shows once and forgets."""
    secret = signing.new_secret()
    now = clock.now()
    endpoint = WebhookEndpoint(
        id=new_id(),
        tenant_id=tenant_id,
        organization_id=organization_id,
        url=url,
        description=description,
        event_types=list(dict.fromkeys(event_types)),
        enabled=enabled,
        secret=signing.seal(secret, _secret_key()),
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(endpoint)
    session.flush()
    _record(session, "webhook_endpoint.created", endpoint, actor, after=_audited(endpoint))
    return endpoint, secret


def update_endpoint(
    session: Session, endpoint: WebhookEndpoint, changes: Mapping[str, Any], actor: Actor
) -> WebhookEndpoint:
    before = _audited(endpoint)
    for name in CHANGEABLE:
        if name not in changes:
            continue
        value = changes[name]
        if name == "event_types":
            value = list(dict.fromkeys(value))
        setattr(endpoint, name, value)
    if changes.get("enabled"):
        # Switched back on by a person: whatever the platform disabled it for is over.
        endpoint.disabled_reason = None
    after = _audited(endpoint)
    if after != before:
        endpoint.updated_at = clock.now()
        changed = [k for k in after if after[k] != before[k]]
        _record(
            session,
            "webhook_endpoint.updated",
            endpoint,
            actor,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
    session.flush()
    return endpoint


def rotate_secret(session: Session, endpoint: WebhookEndpoint, actor: Actor) -> str:
    """A new secret for the endpoint; the current one keeps signing beside it for the grace
    period (``SIEUAPP_WEBHOOK_SECRET_GRACE``), so the receiver can switch without losing a
    message. A secret older than the current one stops signing at once."""
    secret = signing.new_secret()
    now = clock.now()
    grace = runtime_of().settings.webhook_secret_grace
    endpoint.previous_secret = endpoint.secret if grace > 0 else None
    endpoint.previous_secret_expires_at = now + timedelta(seconds=grace) if grace > 0 else None
    endpoint.secret = signing.seal(secret, _secret_key())
    endpoint.updated_at = now
    _record(
        session,
        "webhook_endpoint.secret_rotated",
        endpoint,
        actor,
        after={"previous_secret_expires_at": _iso(endpoint.previous_secret_expires_at)},
    )
    session.flush()
    return secret


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def delete_endpoint(session: Session, endpoint: WebhookEndpoint, actor: Actor) -> None:
    """Remove the endpoint; its deliveries and their attempts go with it."""
    _record(session, "webhook_endpoint.deleted", endpoint, actor, before=_audited(endpoint))
    session.delete(endpoint)
    session.flush()


def redeliver(
    session: Session, endpoint: WebhookEndpoint, delivery: WebhookDelivery, actor: Actor
) -> WebhookDelivery:
    """Try ``delivery`` again now, with the same ``webhook-id``. The schedule goes on from
    where it was: a delivery that had used it up gets this one attempt."""
    before = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status = "pending"
    delivery.next_attempt_at = clock.now()
    session.flush()
    queue(session, delivery)
    audit(
        session,
        "webhook_delivery.redelivered",
        tenant_id=endpoint.tenant_id,
        actor_id=actor.user_id,
        actor_label=actor.label,
        target=f"webhook_delivery:{delivery.id}",
        before=before,
        after={"status": "pending", "endpoint_id": endpoint.id},
    )
    return delivery
