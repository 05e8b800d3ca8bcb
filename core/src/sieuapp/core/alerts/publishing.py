"""An alert's lifecycle: publish a draft, update or cancel what is out, and read what is in
effect. Each step writes the message, its target units, an audit entry and one fan-out task,
nothing per recipient, so it costs the same for a hamlet and for a province."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import Conflict
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .. import clock
from ..audit.log import record as audit
from ..identity.models import User
from ..tasks.outbox import enqueue
from . import compose, rules
from .models import Alert
from .targeting import write_targets

FAN_OUT_TASK = "alerts.fan_out"
#: How long a cancellation of an alert without an expiry stays in the current feed.
CANCEL_SHOWN = timedelta(days=1)

STALE = LocalizedText(
    "Cảnh báo vừa được người khác thay đổi; hãy tải lại.",
    "Someone else changed this alert just now; reload it.",
)
NOT_DRAFT = LocalizedText("Cảnh báo này đã được phát.", "This alert has been published already.")
NOT_CURRENT = LocalizedText(
    "Chỉ cập nhật hoặc hủy được bản tin hiện hành của cảnh báo.",
    "Only the current message of an alert can be updated or cancelled.",
)


def _stale() -> Conflict:
    return Conflict(STALE.en, {"version": [STALE.en]})


def check_version(alert: Alert, expected: int | None) -> None:
    """A 409 when the caller acted on a version of the alert that is no longer current."""
    if expected is not None and expected != alert.version:
        raise _stale()


def _flush(session: Session) -> None:
    # The version column makes a concurrent change of the same row fail here, not silently win.
    try:
        session.flush()
    except StaleDataError as exc:
        raise _stale() from exc


def _label(session: Session, actor_id: str | None) -> str:
    user = session.get(User, actor_id) if actor_id else None
    return user.username if user is not None else "platform"


def _whole_seconds(moment: datetime | None) -> datetime:
    return (moment or clock.now()).replace(microsecond=0)


def _go_out(session: Session, alert: Alert, actor_id: str | None, action: str) -> Alert:
    """Targets, audit and the first fan-out step of a message just made current."""
    count = write_targets(session, alert)
    audit(
        session,
        action,
        tenant_id=alert.tenant_id,
        actor_id=actor_id,
        actor_label=_label(session, actor_id),
        target=f"alert:{alert.id}",
        after={
            "identifier": alert.identifier,
            "msg_type": alert.msg_type,
            "references": alert.references,
            "targets": count,
        },
    )
    enqueue(session, FAN_OUT_TASK, {"alert_id": alert.id, "after": ""}, tenant_id=alert.tenant_id)
    return alert


def publish(
    session: Session,
    alert: Alert,
    actor_id: str | None,
    *,
    sent: datetime | None = None,
    expected_version: int | None = None,
) -> Alert:
    """A draft sent: current message of its own thread, targeted, fanned out."""
    check_version(alert, expected_version)
    if alert.state != "draft":
        raise Conflict(NOT_DRAFT.en, {"state": [NOT_DRAFT.en]})
    alert.sent = _whole_seconds(sent)
    alert.state = "published"
    alert.thread_id = alert.thread_id or alert.id
    _flush(session)
    return _go_out(session, alert, actor_id, "alert.published")


def _successor(
    session: Session, previous: Alert, data: Mapping[str, Any], msg_type: str, actor_id: str | None
) -> Alert:
    if previous.state != "published" or previous.msg_type == "Cancel":
        raise Conflict(NOT_CURRENT.en, {"state": [NOT_CURRENT.en]})
    sender = (
        previous.sender
        if previous.origin == "composed"
        else compose.default_sender(session, previous.tenant_id)
    )
    assert previous.sent is not None
    references = " ".join(
        filter(
            None,
            (
                previous.references,
                rules.reference(previous.sender, previous.identifier, previous.sent),
            ),
        )
    )
    identifier = compose.new_identifier(session, previous.tenant_id)
    checked = compose.check(
        session,
        previous.tenant_id,
        compose.load(data),
        previous.origin == "imported",
        identifier=identifier,
        sender=sender,
        msg_type=msg_type,
        references=references,
    )
    successor = Alert(
        tenant_id=previous.tenant_id,
        thread_id=previous.thread_id or previous.id,
        state="published",
        origin="composed",
        identifier=identifier,
        sender=sender,
        msg_type=msg_type,
        references=references,
        created_by=actor_id,
        sent=_whole_seconds(None),
    )
    compose.apply(successor, checked)
    return successor


def supersede(session: Session, previous: Alert, successor: Alert) -> None:
    """``previous`` replaced by ``successor`` (already built): its deliveries not yet out are
    dropped so that nobody is told of a message that no longer holds."""
    from ..notifications.delivery import drop_pending

    previous.state = "superseded"
    session.add(successor)
    _flush(session)
    drop_pending(session, previous.id)


def update(
    session: Session,
    alert: Alert,
    data: Mapping[str, Any],
    actor_id: str | None,
    *,
    expected_version: int | None = None,
) -> Alert:
    """An Update message with ``data`` (changed composer fields) over the current one."""
    check_version(alert, expected_version)
    changes = compose.load(data, partial=True)
    merged = {**compose.as_input(alert), **changes}
    successor = _successor(session, alert, merged, "Update", actor_id)
    supersede(session, alert, successor)
    return _go_out(session, successor, actor_id, "alert.updated")


def cancel(
    session: Session,
    alert: Alert,
    actor_id: str | None,
    note: str,
    *,
    expected_version: int | None = None,
) -> Alert:
    """A Cancel message (the same info, ``note`` saying why) over the current one."""
    check_version(alert, expected_version)
    data = {**compose.as_input(alert), "note": note}
    successor = _successor(session, alert, data, "Cancel", actor_id)
    supersede(session, alert, successor)
    return _go_out(session, successor, actor_id, "alert.cancelled")


def current_alerts(session: Session, tenant_id: int, at: datetime | None = None) -> list[Alert]:
    """The public messages in effect at ``at`` (now by default), newest first: each chain's
    current Alert or Update (effective, or sent, <= at < expires), and Cancel messages until
    the expiry of what they cancel (a day when it had none)."""
    at = at or clock.now()
    started = func.coalesce(Alert.effective, Alert.sent) <= at
    running = and_(
        Alert.msg_type != "Cancel", started, or_(Alert.expires.is_(None), Alert.expires > at)
    )
    cancelled = and_(
        Alert.msg_type == "Cancel",
        Alert.sent <= at,
        or_(
            Alert.expires > at,
            and_(Alert.expires.is_(None), Alert.sent > at - CANCEL_SHOWN),
        ),
    )
    return list(
        session.scalars(
            select(Alert)
            .where(
                Alert.tenant_id == tenant_id,
                Alert.state == "published",
                Alert.scope == "Public",
                Alert.status != "Draft",
                or_(running, cancelled),
            )
            .order_by(Alert.sent.desc(), Alert.id.desc())
        )
    )
