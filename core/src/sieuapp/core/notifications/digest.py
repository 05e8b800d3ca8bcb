"""The daily digest: one e-mail listing a user's unread messages, instead of one per message."""

from __future__ import annotations

from datetime import datetime, timedelta

from sieuapp.sdk import LocalizedText
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from .. import clock
from ..clock import ZONE
from .delivery import plan
from .models import Notification, NotificationSettings

KIND = "notifications.digest"
LINK = "/api/v1/me/notifications"
#: The most messages one digest lists by title; the rest are counted.
LISTED = 20
TITLE = LocalizedText("Tóm tắt thông báo trong ngày", "Your daily notification digest")
INTRO = LocalizedText(
    "Bạn có {count} thông báo chưa đọc:", "You have {count} unread notifications:"
)
MORE = LocalizedText("… và {count} thông báo khác.", "… and {count} more.")


def digest_time(settings: NotificationSettings, at: datetime) -> datetime:
    """Today's digest time (local ``digest_hour``) as of ``at``, in UTC."""
    local = at.astimezone(ZONE)
    hour = min(max(settings.digest_hour or 0, 0), 23)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0).astimezone(at.tzinfo)


def _body(rows: list[Notification], language: str) -> str:
    intro, more = (INTRO.en, MORE.en) if language == "en" else (INTRO.vi, MORE.vi)
    lines = [intro.format(count=len(rows))]
    for row in rows[:LISTED]:
        lines.append("• " + ((row.title_en or row.title) if language == "en" else row.title))
    if len(rows) > LISTED:
        lines.append(more.format(count=len(rows) - LISTED))
    return "\n".join(lines)


def run_digests(session: Session) -> int:
    """Periodic job: send each due digest once; returns how many were written.

    Safe to run twice at once: a digest is claimed by a conditional update of
    ``digest_sent_until``, which only one runner can win."""
    now = clock.now()
    written = 0
    candidates = session.scalars(
        select(NotificationSettings).where(NotificationSettings.digest.is_(True))
    ).all()
    for settings in candidates:
        due = digest_time(settings, now)
        if now < due or (settings.digest_sent_until and settings.digest_sent_until >= due):
            continue
        since = settings.digest_sent_until or due - timedelta(days=1)
        claimed = session.execute(
            update(NotificationSettings)
            .where(
                NotificationSettings.id == settings.id,
                or_(
                    NotificationSettings.digest_sent_until.is_(None),
                    NotificationSettings.digest_sent_until < due,
                ),
            )
            .values(digest_sent_until=due)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        if _send(session, settings, since, due, now):
            written += 1
    return written


def _send(
    session: Session, settings: NotificationSettings, since: datetime, due: datetime, now: datetime
) -> bool:
    unread = list(
        session.scalars(
            select(Notification)
            .where(
                Notification.tenant_id == settings.tenant_id,
                Notification.user_id == settings.user_id,
                Notification.read_at.is_(None),
                Notification.kind != KIND,
                Notification.created_at >= since,
                Notification.created_at < due,
            )
            .order_by(Notification.created_at.desc())
        )
    )
    if not unread:
        return False
    digest = Notification(
        tenant_id=settings.tenant_id,
        user_id=settings.user_id,
        kind=KIND,
        module="platform",
        title=TITLE.vi,
        title_en=TITLE.en,
        body=_body(unread, "vi"),
        body_en=_body(unread, "en"),
        link=LINK,
        data={"count": len(unread), "since": since.isoformat(), "until": due.isoformat()},
        created_at=now,
        # A copy of what the inbox already shows: it must not count as one more unread.
        read_at=now,
    )
    session.add(digest)
    session.flush()
    plan(
        session,
        settings.tenant_id,
        [settings.user_id],
        "platform",
        notification_of={settings.user_id: digest.id},
        digest=True,
    )
    return True
