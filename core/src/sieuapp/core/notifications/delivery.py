"""Planning and running deliveries of inbox messages and alerts on the users' channels.

Planning writes ``Delivery`` rows and an outbox task in the caller's transaction, so a message
goes out only if the change it tells of commits. Running hands each channel's batch to the
plugin serving it and records, per delivery, what became of it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from .. import clock
from ..db import current_session, new_id
from ..identity.models import User
from .channels import ChannelEntry, available
from .models import Delivery, NotificationSettings, PushSubscription
from .preferences import choices_of, quiet_until, wants

if TYPE_CHECKING:
    from .._runtime import Runtime

TASK = "notifications.deliver"
#: Deliveries per outbox task and per plugin call: one task per user would flood the queue
#: for a province-wide alert, one task for all would make one slow gateway hold up everyone.
BATCH = 200
#: The IN lists of the planning queries stay under every backend's parameter limit.
CHUNK = 500
MAX_ATTEMPTS = 6
#: Statuses still waiting to go out.
WAITING = ("pending", "deferred")
CRITICAL_SEVERITIES = ("Extreme", "Severe")


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class _Recipient:
    email: str | None
    phone: str | None
    settings: NotificationSettings | None


def _recipients(session: Session, tenant_id: int, user_ids: list[str]) -> dict[str, _Recipient]:
    users: dict[str, tuple[str | None, str | None]] = {}
    settings: dict[str, NotificationSettings] = {}
    for chunk in _chunks(user_ids, CHUNK):
        rows = session.execute(
            select(User.id, User.email, User.phone, User.phone_verified_at).where(
                User.id.in_(chunk), User.active.is_(True)
            )
        )
        for user_id, email, phone, verified in rows:
            # An unverified number may be someone else's: it gets nothing.
            users[user_id] = (email or None, phone if verified is not None else None)
        for row in session.scalars(
            select(NotificationSettings).where(
                NotificationSettings.tenant_id == tenant_id,
                NotificationSettings.user_id.in_(chunk),
            )
        ):
            settings[row.user_id] = row
    return {
        user_id: _Recipient(email, phone, settings.get(user_id))
        for user_id, (email, phone) in users.items()
    }


def _subscriptions(session: Session, tenant_id: int, user_ids: list[str]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = defaultdict(list)
    for chunk in _chunks(user_ids, CHUNK):
        rows = session.execute(
            select(PushSubscription.user_id, PushSubscription.id)
            .where(PushSubscription.tenant_id == tenant_id, PushSubscription.user_id.in_(chunk))
            .order_by(PushSubscription.id)
        )
        for user_id, sub_id in rows:
            found[user_id].append(sub_id)
    return found


def _choices(session: Session, tenant_id: int, user_ids: list[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for chunk in _chunks(user_ids, CHUNK):
        found.update(choices_of(session, tenant_id, chunk))
    return found


def plan(
    session: Session,
    tenant_id: int,
    user_ids: Iterable[str],
    module: str,
    *,
    notification_of: Mapping[str, int] | None = None,
    alert_id: int | None = None,
    critical: bool = False,
    digest: bool = False,
) -> int:
    """Write the deliveries of one message (an inbox row per user, or an alert) and queue them;
    returns how many were planned. ``digest`` plans the daily digest: e-mail only, whatever the
    per-module choices and quiet hours (the user chose its hour)."""
    users = list(dict.fromkeys(u for u in user_ids if u))
    if not users:
        return 0
    channels = available(tenant_id)
    if digest:
        channels = {n: e for n, e in channels.items() if e.channel.address_kind == "email"}
    if not channels:
        return 0
    now = clock.now()
    recipients = _recipients(session, tenant_id, users)
    choices = {} if digest else _choices(session, tenant_id, users)
    kinds = {entry.channel.address_kind for entry in channels.values()}
    subscriptions = _subscriptions(session, tenant_id, users) if "web_push" in kinds else {}
    rows: list[dict[str, Any]] = []
    for user_id in users:
        recipient = recipients.get(user_id)
        if recipient is None:
            continue
        settings = recipient.settings
        wait = None if critical or digest else quiet_until(settings, now)
        for name, entry in channels.items():
            kind = entry.channel.address_kind
            if not digest and not wants(choices.get(user_id, {}), module, name):
                continue
            # The digest carries inbox messages; an alert has no inbox row, so it still mails.
            if kind == "email" and not digest and alert_id is None and settings and settings.digest:
                continue
            if kind == "web_push":
                targets: list[int | None] = list(subscriptions.get(user_id, ()))
            elif (kind == "email" and recipient.email) or (kind == "phone" and recipient.phone):
                targets = [None]
            else:
                targets = []
            for subscription_id in targets:
                rows.append(
                    {
                        "id": new_id(),
                        "tenant_id": tenant_id,
                        "user_id": user_id,
                        "channel": name,
                        "notification_id": (notification_of or {}).get(user_id),
                        "alert_id": alert_id,
                        "subscription_id": subscription_id,
                        "status": "deferred" if wait else "pending",
                        "attempts": 0,
                        "next_attempt_at": wait or now,
                        "created_at": now,
                    }
                )
    if not rows:
        return 0
    for chunk in _chunks(rows, CHUNK):
        session.execute(insert(Delivery), chunk)
    by_time: dict[datetime, list[str]] = defaultdict(list)
    for row in rows:
        by_time[row["next_attempt_at"]].append(row["id"])
    for due, ids in by_time.items():
        _enqueue(session, tenant_id, ids, (due - now).total_seconds())
    return len(rows)


def _enqueue(session: Session, tenant_id: int, ids: list[str], delay: float) -> None:
    from ..tasks.outbox import enqueue

    for batch in _chunks(ids, BATCH):
        enqueue(session, TASK, {"ids": batch}, tenant_id=tenant_id, delay=delay)


def plan_alert(session: Session, alert: Any, user_ids: Iterable[str]) -> int:
    """Plan a government alert's deliveries to ``user_ids`` (no inbox rows: the inbox reads
    alerts by area); Extreme and Severe alerts go out even in quiet hours."""
    return plan(
        session,
        alert.tenant_id,
        user_ids,
        "alerts",
        alert_id=alert.id,
        critical=alert.severity in CRITICAL_SEVERITIES,
    )


def drop_pending(session: Session, alert_id: int) -> int:
    """Deliveries of a superseded or cancelled alert not yet out are dropped; returns how many."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.alert_id == alert_id, Delivery.status.in_(WAITING))
        .values(status="dropped", detail="superseded")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def summary(
    session: Session, *, alert_id: int | None = None, notification_id: int | None = None
) -> dict[str, dict[str, int]]:
    """``{channel: {status: count}}`` of one alert's or one notification's deliveries."""
    query = select(Delivery.channel, Delivery.status, func.count()).group_by(
        Delivery.channel, Delivery.status
    )
    if alert_id is not None:
        query = query.where(Delivery.alert_id == alert_id)
    elif notification_id is not None:
        query = query.where(Delivery.notification_id == notification_id)
    else:
        raise ValueError("summary needs alert_id or notification_id")
    found: dict[str, dict[str, int]] = {}
    for channel, status, count in session.execute(query):
        found.setdefault(channel, {})[status] = int(count)
    return found


def run_task(payload: Mapping[str, Any]) -> None:
    """Outbox task: send the due deliveries among ``payload["ids"]``."""
    from .sending import deliver

    deliver(current_session(), list(payload.get("ids") or ()))


def run_due(session: Session) -> int:
    """Periodic job: send every delivery whose time has come, in case its task was lost or
    its retry is due; a delivery another runner holds is skipped."""
    from .sending import deliver

    now = clock.now()
    ids = list(
        session.scalars(
            select(Delivery.id)
            .where(Delivery.status.in_(WAITING), Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at)
            .limit(BATCH * 5)
        )
    )
    sent = 0
    for batch in _chunks(ids, BATCH):
        sent += deliver(session, batch)
    return sent


def register_tasks(runtime: Runtime) -> None:
    """Register the delivery tasks with the runtime's task registry."""
    runtime.task_registry.register(TASK, run_task)


__all__ = [
    "ChannelEntry",
    "drop_pending",
    "plan",
    "plan_alert",
    "register_tasks",
    "run_due",
    "summary",
]
