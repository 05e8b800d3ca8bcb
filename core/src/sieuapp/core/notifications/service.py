"""Writing to a user's inbox; the message commits, or is lost, with the change it tells of, and
so do its deliveries on the user's channels."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sieuapp.sdk import LocalizedText
from sqlalchemy import insert
from sqlalchemy.orm import Session

from .. import clock
from .delivery import plan
from .models import Notification

TITLE_MAX = 200
ROW_FIELDS = (
    "tenant_id",
    "kind",
    "module",
    "title",
    "title_en",
    "body",
    "body_en",
    "link",
    "data",
    "created_at",
)
#: The module a kind's prefix belongs to, for the users' per-module channel choices.
MODULE_OF_PREFIX = {"report": "reports", "alert": "alerts", "payment": "payments"}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def module_of(kind: str) -> str:
    """``report.status_changed`` → ``reports``; anything unknown is the platform's own."""
    return MODULE_OF_PREFIX.get(kind.split(".", 1)[0], "platform")


def _row(
    tenant_id: int,
    user_id: str,
    kind: str,
    title: LocalizedText,
    body: LocalizedText,
    link: str | None,
    data: dict[str, Any] | None,
    module: str,
) -> Notification:
    return Notification(
        tenant_id=tenant_id,
        user_id=user_id,
        kind=kind,
        module=module,
        title=_clip(title.vi, TITLE_MAX),
        title_en=_clip(title.en, TITLE_MAX),
        body=body.vi,
        body_en=body.en,
        link=link,
        data=dict(data or {}),
        created_at=clock.now(),
    )


def notify(
    session: Session,
    tenant_id: int,
    user_id: str,
    kind: str,
    title: LocalizedText,
    body: LocalizedText,
    link: str | None = None,
    data: dict[str, Any] | None = None,
    *,
    module: str | None = None,
    critical: bool = False,
) -> Notification:
    """Write one inbox message and plan its deliveries in the same transaction."""
    module = module or module_of(kind)
    notification = _row(tenant_id, user_id, kind, title, body, link, data, module)
    session.add(notification)
    session.flush()
    plan(
        session,
        tenant_id,
        [user_id],
        module,
        notification_of={user_id: notification.id},
        critical=critical,
    )
    return notification


def notify_many(
    session: Session,
    tenant_id: int,
    user_ids: Iterable[str],
    kind: str,
    title: LocalizedText,
    body: LocalizedText,
    link: str | None = None,
    data: dict[str, Any] | None = None,
    *,
    module: str | None = None,
    critical: bool = False,
) -> int:
    """``notify`` each of ``user_ids`` once, planning all deliveries together (one query per
    table, not per user); returns how many inbox messages were written."""
    module = module or module_of(kind)
    users = list(dict.fromkeys(u for u in user_ids if u))
    if not users:
        return 0
    values = {
        c: getattr(_row(tenant_id, "", kind, title, body, link, data, module), c)
        for c in ROW_FIELDS
    }
    # A bulk INSERT ... RETURNING: one statement per batch of rows, where adding the objects
    # one by one would flush one INSERT per recipient.
    made = session.execute(
        insert(Notification).returning(Notification.user_id, Notification.id),
        [{**values, "user_id": user_id} for user_id in users],
    )
    notification_of: dict[str, int] = {user_id: row_id for user_id, row_id in made}
    plan(session, tenant_id, users, module, notification_of=notification_of, critical=critical)
    return len(users)
