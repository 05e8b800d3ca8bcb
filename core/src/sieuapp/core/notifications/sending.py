"""Running due deliveries: render each in its recipient's language, hand each channel's batch
to the plugin serving it, and record what became of every one."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sieuapp.sdk import DeliveryOutcome, OutgoingMessage
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import clock
from .._runtime import runtime_of
from ..alerts.models import Alert
from ..identity.models import User
from ..plugins._containment import Failure, count_task_outcomes
from ..plugins._host import HookFailed
from ..tasks.outbox import backoff
from ..tenancy.context import current_tenant
from .channels import ChannelEntry, _tenant, available
from .delivery import CRITICAL_SEVERITIES, MAX_ATTEMPTS, WAITING, _enqueue
from .models import Delivery, Notification, PushSubscription

log = logging.getLogger("sieuapp.notifications")
HOOK = "deliver_notifications"
DETAIL_MAX = 500
#: RFC 8030 urgency for each CAP urgency.
URGENCY = {"Immediate": "high", "Expected": "normal", "Future": "low", "Past": "very-low"}
DAY = 86400
MIN_TTL = 60


def _claim(session: Session, ids: Sequence[str], now: datetime) -> list[Delivery]:
    """The due deliveries among ``ids``, locked for this transaction; a delivery already out,
    dropped or not due yet is left alone, so running a task twice sends once."""
    query = (
        select(Delivery)
        .where(Delivery.id.in_(ids), Delivery.status.in_(WAITING), Delivery.next_attempt_at <= now)
        .order_by(Delivery.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        return list(session.scalars(query.with_for_update(skip_locked=True)))
    # SQLite has no row locks: writing first takes the database's write lock, so a second
    # runner waits here and then reads what the first one committed.
    session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids))
        .values(status=Delivery.status)
        .execution_options(synchronize_session=False)
    )
    return list(session.scalars(query.execution_options(populate_existing=True)))


def deliver(session: Session, ids: Sequence[str]) -> int:
    """Send the due deliveries among ``ids``; returns how many were sent."""
    if not ids:
        return 0
    now = clock.now()
    rows = _claim(session, ids, now)
    by_tenant: dict[int, list[Delivery]] = defaultdict(list)
    for row in rows:
        by_tenant[row.tenant_id].append(row)
    sent = 0
    runtime = runtime_of()
    for tenant_id, tenant_rows in by_tenant.items():
        with _tenant(tenant_id):
            try:
                sent += _deliver_tenant(session, tenant_rows, now)
            finally:
                # Written in this transaction: the teardown's own session would wait for the
                # write lock this one holds (SQLite).
                count_task_outcomes(
                    session,
                    runtime.sessionmaker,
                    runtime.settings.plugin_failure_limit,
                    failing=False,
                )
    return sent


def _deliver_tenant(session: Session, rows: list[Delivery], now: datetime) -> int:
    channels = available()
    by_channel: dict[str, list[Delivery]] = defaultdict(list)
    for row in rows:
        by_channel[row.channel].append(row)
    context = _Context.load(session, rows)
    retries: dict[float, list[str]] = defaultdict(list)
    sent = 0
    for name, batch in by_channel.items():
        entry = channels.get(name)
        if entry is None:
            for row in batch:
                _finish(row, "failed", now, f"no enabled plugin serves channel {name!r}")
            continue
        messages: list[OutgoingMessage] = []
        for row in batch:
            message = context.message(row, entry)
            if message is None:
                continue
            messages.append(message)
        if not messages:
            continue
        outcomes = _call(entry, name, messages)
        for message in messages:
            row = context.rows[message.id]
            outcome = outcomes.get(message.id)
            if outcome is None or outcome.status == DeliveryOutcome.RETRY:
                why = outcome.detail if outcome is not None else outcomes.get("", _NO_ANSWER)
                delay = _retry(row, now, str(why))
                if delay is not None:
                    retries[delay].append(row.id)
            elif outcome.status == DeliveryOutcome.SENT:
                _finish(row, "sent", now, outcome.detail, entry.plugin_id)
                context.mark_sent(row, now)
                sent += 1
            elif outcome.status == DeliveryOutcome.GONE:
                _finish(row, "gone", now, outcome.detail, entry.plugin_id)
                context.forget_subscription(row)
            else:
                _finish(row, "failed", now, outcome.detail, entry.plugin_id)
    tenant_id = current_tenant().id
    for delay, retry_ids in retries.items():
        _enqueue(session, tenant_id, retry_ids, delay)
    session.flush()
    return sent


_NO_ANSWER = "the channel plugin gave no outcome for this message"


def _call(entry: ChannelEntry, name: str, messages: list[OutgoingMessage]) -> dict[str, Any]:
    """Outcomes by message id; under the key ``""`` why the others have none."""
    runtime = runtime_of()
    tenant = current_tenant()
    try:
        answer = runtime.host.call(
            entry.plugin_id, HOOK, tenant.id, channel=name, messages=messages, tenant=tenant.info()
        )
    except HookFailed as failed:
        # The exception's text may quote a gateway URL or key; its type is enough here.
        return {"": f"plugin {entry.plugin_id} raised {failed.error.split(':', 1)[0]}"}
    if not isinstance(answer, list | tuple) or not all(
        isinstance(o, DeliveryOutcome) for o in answer
    ):
        shown = repr(answer)[:300]
        runtime.host._note(
            Failure(tenant.id, entry.plugin_id, HOOK, f"returned {shown}, not DeliveryOutcome list")
        )
        return {"": f"plugin {entry.plugin_id} answered garbage"}
    found: dict[str, Any] = {o.message_id: o for o in answer}
    found[""] = _NO_ANSWER
    return found


def _clip(text: str | None) -> str | None:
    return None if not text else text[:DETAIL_MAX]


def _finish(
    row: Delivery, status: str, now: datetime, detail: str | None, provider: str | None = None
) -> None:
    row.attempts += 1
    row.status = status
    row.detail = _clip(detail)
    if provider is not None:
        row.provider = provider
    if status == "sent":
        row.sent_at = now


def _retry(row: Delivery, now: datetime, detail: str) -> float | None:
    """Schedule another attempt; the delay in seconds, or None once it has given up."""
    row.attempts += 1
    row.detail = _clip(detail)
    if row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
        row.detail = _clip(f"gave up after {row.attempts} attempts: {detail}")
        return None
    wait: timedelta = backoff(row.attempts)
    row.status = "pending"
    row.next_attempt_at = now + wait
    return wait.total_seconds()


def _absolute(link: str | None, tenant_slug: str) -> str | None:
    if not link or "://" in link:
        return link
    settings = runtime_of().settings
    if not settings.base_domain:
        return link
    return f"{settings.public_scheme}://{tenant_slug}.{settings.base_domain}{link}"


class _Context:
    """What the messages of one batch are made of, loaded with one query per table."""

    def __init__(self, session: Session, rows: list[Delivery]) -> None:
        self.session = session
        self.rows = {row.id: row for row in rows}
        self.users: dict[str, User] = {}
        self.notifications: dict[int, Notification] = {}
        self.alerts: dict[int, Alert] = {}
        self.subscriptions: dict[int, PushSubscription] = {}

    @classmethod
    def load(cls, session: Session, rows: list[Delivery]) -> _Context:
        context = cls(session, rows)

        def by_id(model: Any, ids: set[Any]) -> dict[Any, Any]:
            ids.discard(None)
            if not ids:
                return {}
            return {r.id: r for r in session.scalars(select(model).where(model.id.in_(ids)))}

        context.users = by_id(User, {r.user_id for r in rows})
        context.notifications = by_id(Notification, {r.notification_id for r in rows})
        context.alerts = by_id(Alert, {r.alert_id for r in rows})
        context.subscriptions = by_id(PushSubscription, {r.subscription_id for r in rows})
        return context

    def _address(self, row: Delivery, entry: ChannelEntry, user: User) -> Mapping[str, Any] | None:
        kind = entry.channel.address_kind
        if kind == "web_push":
            sub = self.subscriptions.get(row.subscription_id) if row.subscription_id else None
            if sub is None:
                return None
            return {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}
        if kind == "email":
            return {"email": user.email} if user.email else None
        if kind == "phone" and user.phone and user.phone_verified_at is not None:
            return {"phone": user.phone}
        return None

    def message(self, row: Delivery, entry: ChannelEntry) -> OutgoingMessage | None:
        """The message of ``row``, or None (and the row failed) when it can no longer be made."""
        now = clock.now()
        user = self.users.get(row.user_id)
        address = self._address(row, entry, user) if user is not None and user.active else None
        if address is None:
            _finish(row, "failed", now, "the recipient no longer has an address on this channel")
            return None
        language = "en" if (user.locale or "").startswith("en") else "vi"  # type: ignore[union-attr]
        slug = current_tenant().slug
        if row.notification_id is not None:
            note = self.notifications.get(row.notification_id)
            if note is None:
                _finish(row, "failed", now, "the notification was deleted")
                return None
            english = language == "en"
            return OutgoingMessage(
                id=row.id,
                user_id=row.user_id,
                address=address,
                language=language,
                kind=note.kind,
                title=(note.title_en or note.title) if english else note.title,
                body=(note.body_en or note.body) if english else note.body,
                link=_absolute(note.link, slug),
                data={**(note.data or {}), "notification_id": note.id},
            )
        alert = self.alerts.get(row.alert_id)  # type: ignore[arg-type]
        if alert is None:
            _finish(row, "failed", now, "the alert was deleted")
            return None
        return _alert_message(row, alert, address, language, slug, now)

    def mark_sent(self, row: Delivery, now: datetime) -> None:
        sub = self.subscriptions.get(row.subscription_id) if row.subscription_id else None
        if sub is not None:
            sub.last_sent_at = now

    def forget_subscription(self, row: Delivery) -> None:
        sub = self.subscriptions.pop(row.subscription_id, None) if row.subscription_id else None
        if sub is None:
            return
        # Other deliveries to the same browser fail at their turn: the address is gone.
        self.session.execute(
            update(Delivery)
            .where(Delivery.subscription_id == sub.id)
            .values(subscription_id=None)
            .execution_options(synchronize_session=False)
        )
        for other in self.rows.values():
            if other.subscription_id == sub.id:
                other.subscription_id = None
        self.session.delete(sub)


def _alert_message(
    row: Delivery,
    alert: Alert,
    address: Mapping[str, Any],
    language: str,
    slug: str,
    now: datetime,
) -> OutgoingMessage:
    def pick(vi: str, en: str) -> str:
        return (en or vi) if language == "en" else vi

    title = pick(alert.headline, alert.headline_en) or pick(alert.event, alert.event_en)
    parts = (
        pick(alert.description, alert.description_en),
        pick(alert.instruction, alert.instruction_en),
    )
    ttl = DAY
    if alert.expires is not None:
        ttl = max(int((alert.expires - now).total_seconds()), MIN_TTL)
    return OutgoingMessage(
        id=row.id,
        user_id=row.user_id,
        address=address,
        language=language,
        kind=f"alert.{(alert.msg_type or 'alert').lower()}",
        title=title,
        body="\n\n".join(p for p in parts if p),
        link=_absolute(f"/api/v1/me/alerts/{alert.id}", slug),
        urgency=URGENCY.get(alert.urgency, "normal"),
        ttl=ttl,
        critical=alert.severity in CRITICAL_SEVERITIES,
        data={
            "alert_id": alert.id,
            # Lets a push service replace an undelivered earlier message of the same chain.
            "thread_id": alert.thread_id,
            "identifier": alert.identifier,
            "severity": alert.severity,
            "msg_type": alert.msg_type,
        },
    )
