"""What anyone may see of a report: no reporter, no contact, no internal notes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..tenancy.models import AdministrativeUnit, Organization
from .lifecycle import FINAL_STATES, STATUS_TEXT
from .models import Report, ReportAttribute, ReportCategory, ReportEvent, ReportPhoto

#: Steps whose note an official wrote for the public (the answer, why it moves on). Notes written
#: by the reporter (more information, a dispute, a comment) may name people, so they stay inside.
PUBLIC_NOTE_ACTIONS = frozenset({"resolve", "reject", "assign", "merge", "dismiss", "close"})

#: Answers that cannot carry a name or a phone number; free text answers are never public.
PUBLIC_DATATYPES = frozenset({"singlevaluelist", "multivaluelist", "number", "datetime"})


def status_label(status: str, language: str) -> str:
    label = STATUS_TEXT.get(status)
    return label.get(language) if label is not None else status


def iso(moment: datetime | date | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _organization(session: Session, org_id: int | None, language: str) -> dict[str, Any] | None:
    if org_id is None:
        return None
    org = session.get(Organization, org_id)
    if org is None:
        return None
    return {"code": org.code, "name": org.name_en if language == "en" and org.name_en else org.name}


def _unit(session: Session, report: Report) -> dict[str, Any] | None:
    if not report.unit_code:
        return None
    name = session.scalar(
        select(AdministrativeUnit.name).where(
            AdministrativeUnit.tenant_id == report.tenant_id,
            AdministrativeUnit.code == report.unit_code,
        )
    )
    return {"code": report.unit_code, "name": name}


def _attributes(session: Session, report: Report, language: str) -> list[dict[str, Any]]:
    if not report.attributes:
        return []
    questions = session.scalars(
        select(ReportAttribute)
        .where(ReportAttribute.category_id == report.category_id)
        .order_by(ReportAttribute.order, ReportAttribute.id)
    ).all()
    shown = []
    for question in questions:
        if question.datatype not in PUBLIC_DATATYPES or question.code not in report.attributes:
            continue
        value = report.attributes[question.code]
        if question.datatype.endswith("valuelist"):
            names = {
                str(v.get("key")): (v.get("name_en") if language == "en" else None) or v.get("name")
                for v in question.values or []
            }
            keys = value if isinstance(value, list) else [value]
            value = [{"key": k, "name": names.get(str(k), str(k))} for k in keys]
        shown.append(
            {
                "code": question.code,
                "question": question.description_en
                if language == "en" and question.description_en
                else question.description,
                "value": value,
            }
        )
    return shown


def _photos(session: Session, report: Report) -> list[str]:
    # Imported here: the photo module imports the image stack, which the feed seldom needs.
    from .photos import public_url

    photos = session.scalars(
        select(ReportPhoto)
        .where(ReportPhoto.tenant_id == report.tenant_id, ReportPhoto.report_id == report.id)
        .order_by(ReportPhoto.id)
    ).all()
    return [public_url(report, photo) for photo in photos]


def public_report(session: Session, report: Report, language: str) -> dict[str, Any]:
    """The report as the public feed shows it.

    The location stays: where a pothole is tells nothing of who saw it. Who reported it, how to
    reach them and free-text answers never leave the platform this way.
    """
    category = session.get(ReportCategory, report.category_id)
    return {
        "id": report.id,
        "category": {
            "code": category.code if category else None,
            "name": ((category.name_en or category.name) if language == "en" else category.name)
            if category
            else None,
        },
        "status": report.status,
        "status_label": status_label(report.status, language),
        "open": report.status not in FINAL_STATES,
        "channel": report.channel,
        "organization": _organization(session, report.organization_id, language),
        "description": report.description,
        "address": report.address,
        "unit": _unit(session, report),
        "lat": report.lat,
        "lon": report.lon,
        "attributes": _attributes(session, report, language),
        "photos": _photos(session, report),
        "media_url": report.media_url,
        "submitted_at": iso(report.submitted_at),
        "moderated_at": iso(report.moderated_at),
        "assigned_at": iso(report.assigned_at),
        "resolved_at": iso(report.resolved_at),
        "closed_at": iso(report.closed_at),
        "expected_at": iso(report.deadline_at),
        "updated_at": iso(report.updated_at),
        "answer": report.answer,
        "rating": report.rating,
        "disputes": report.disputes,
        "merged_into": report.merged_into_id,
    }


def public_events(session: Session, report: Report, language: str) -> list[dict[str, Any]]:
    """The report's public history: what happened and which organization had it, not who."""
    events = session.scalars(
        select(ReportEvent)
        .where(
            ReportEvent.tenant_id == report.tenant_id,
            ReportEvent.report_id == report.id,
            ReportEvent.public.is_(True),
        )
        .order_by(ReportEvent.at, ReportEvent.id)
    ).all()
    return [
        {
            "action": event.action,
            "from_status": event.from_status,
            "status": event.to_status,
            "status_label": status_label(event.to_status, language),
            "at": iso(event.at),
            "organization": _organization(session, event.organization_id, language),
            "note": event.note if event.action in PUBLIC_NOTE_ACTIONS else None,
        }
        for event in events
    ]
