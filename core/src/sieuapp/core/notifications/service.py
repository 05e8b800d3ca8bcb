"""Writing to a user's inbox; the message commits, or is lost, with the change it tells of."""

from __future__ import annotations

from typing import Any

from sieuapp.sdk import LocalizedText
from sqlalchemy.orm import Session

from .. import clock
from .models import Notification

TITLE_MAX = 200


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def notify(
    session: Session,
    tenant_id: int,
    user_id: str,
    kind: str,
    title: LocalizedText,
    body: LocalizedText,
    link: str | None = None,
    data: dict[str, Any] | None = None,
) -> Notification:
    notification = Notification(
        tenant_id=tenant_id,
        user_id=user_id,
        kind=kind,
        title=_clip(title.vi, TITLE_MAX),
        title_en=_clip(title.en, TITLE_MAX),
        body=body.vi,
        body_en=body.en,
        link=link,
        data=dict(data or {}),
        created_at=clock.now(),
    )
    session.add(notification)
    return notification


def notify_many(
    session: Session,
    tenant_id: int,
    user_ids: Any,
    kind: str,
    title: LocalizedText,
    body: LocalizedText,
    link: str | None = None,
    data: dict[str, Any] | None = None,
) -> int:
    """``notify`` each of ``user_ids`` once; returns how many were written."""
    count = 0
    for user_id in dict.fromkeys(u for u in user_ids if u):
        notify(session, tenant_id, user_id, kind, title, body, link, data)
        count += 1
    return count
