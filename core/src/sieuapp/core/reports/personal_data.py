"""What the report pipeline holds about one person, for their export and their erasure.

Erasure detaches the person from their reports rather than deleting them: a report, its
handling and its answer are the record of how a public body dealt with a citizen's request, and
the public statistics count it. What named them (the link to the account, the contact details)
goes; their inbox and the reports they followed go too."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from .._runtime import runtime_of
from ..notifications.models import Notification
from ..tenancy.models import Tenant
from . import photos
from .models import Report, ReportCategory, ReportFollower, ReportPhoto


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_reports(session: Session, user_id: str) -> dict[str, Any]:
    """The user's reports (with what they entered), follows, pending photos and inbox."""
    slugs = dict(session.execute(select(Tenant.id, Tenant.slug)).all())
    rows = session.execute(
        select(Report, ReportCategory.code)
        .join(ReportCategory, ReportCategory.id == Report.category_id)
        .where(Report.reporter_id == user_id)
        .order_by(Report.id)
    ).all()
    follows = session.scalars(
        select(ReportFollower.report_id)
        .where(ReportFollower.user_id == user_id)
        .order_by(ReportFollower.report_id)
    )
    pending = session.scalars(
        select(ReportPhoto)
        .where(ReportPhoto.uploaded_by == user_id, ReportPhoto.report_id.is_(None))
        .order_by(ReportPhoto.id)
    )
    inbox = session.scalars(
        select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
    )
    return {
        "reports": [
            {
                "id": r.id,
                "tenant": slugs.get(r.tenant_id),
                "category": code,
                "channel": r.channel,
                "status": r.status,
                "anonymous": r.anonymous,
                "description": r.description,
                "address": r.address,
                "lat": r.lat,
                "lon": r.lon,
                "unit_code": r.unit_code,
                "attributes": dict(r.attributes or {}),
                "contact_name": r.contact_name,
                "contact_email": r.contact_email,
                "contact_phone": r.contact_phone,
                "submitted_at": _iso(r.submitted_at),
                "resolved_at": _iso(r.resolved_at),
                "closed_at": _iso(r.closed_at),
                "answer": r.answer,
                "rating": r.rating,
                "disputes": r.disputes,
            }
            for r, code in rows
        ],
        "report_follows": list(follows),
        "report_photos_not_sent": [
            {"id": p.id, "tenant": slugs.get(p.tenant_id), "uploaded_at": _iso(p.created_at)}
            for p in pending
        ],
        "notifications": [
            {
                "tenant": slugs.get(n.tenant_id),
                "kind": n.kind,
                "title": n.title,
                "body": n.body,
                "link": n.link,
                "created_at": _iso(n.created_at),
                "read_at": _iso(n.read_at),
            }
            for n in inbox
        ],
    }


def erase_reports(session: Session, user_id: str) -> dict[str, int]:
    """Detach the user from their reports and remove their follows, inbox and unsent photos;
    counts by category. Running it again changes nothing more."""

    def gone(statement: Any) -> int:
        return max(session.execute(statement).rowcount or 0, 0)

    counts = {
        "reports": gone(
            update(Report)
            .where(Report.reporter_id == user_id)
            .values(reporter_id=None, contact_name=None, contact_email=None, contact_phone=None)
            .execution_options(synchronize_session=False)
        ),
        "report_follows": gone(delete(ReportFollower).where(ReportFollower.user_id == user_id)),
        "notifications": gone(delete(Notification).where(Notification.user_id == user_id)),
    }
    unsent = session.scalars(
        select(ReportPhoto).where(
            ReportPhoto.uploaded_by == user_id, ReportPhoto.report_id.is_(None)
        )
    ).all()
    for photo in unsent:
        photos.discard(session, runtime_of().files, photo)
    counts["report_photos"] = len(unsent)
    # The photos they sent stay with their reports; nothing records who took them.
    gone(
        update(ReportPhoto)
        .where(ReportPhoto.uploaded_by == user_id)
        .values(uploaded_by=None)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return counts
