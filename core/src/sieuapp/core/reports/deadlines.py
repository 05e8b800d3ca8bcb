"""The deadline sweep: remind before, escalate after, close what nobody rated.

Run periodically by every worker at once (inline pumps of several processes, or Celery beat):
each step's condition is re-read under a row lock (``SKIP LOCKED`` on PostgreSQL) and cleared by
the step itself, so a report is reminded, escalated or closed once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

from sieuapp.sdk.errors import PlatformError
from sqlalchemy import select, true
from sqlalchemy.orm import Session

from .. import clock
from ..tenancy.models import Tenant
from .access import Actor
from .lifecycle import HANDLING_STATES, transition
from .models import Report, ReportCategory

log = logging.getLogger("sieuapp.reports")

#: A resolved report nobody rated is closed this long after it was resolved.
AUTO_CLOSE_AFTER = timedelta(days=7)
#: Reports handled per query, so that one sweep never holds many locks for long.
BATCH = 200


def sweep(session: Session, now: datetime | None = None) -> dict[str, int]:
    """One pass over every tenant; returns how many reports were reminded, escalated and
    closed. The caller commits (each step is in its own savepoint)."""
    now = now or clock.now()
    counts = {"reminded": 0, "escalated": 0, "auto_closed": 0}
    for tenant_id in session.scalars(select(Tenant.id).order_by(Tenant.id)).all():
        counts["escalated"] += _escalate(session, tenant_id, now)
        counts["reminded"] += _remind(session, tenant_id, now)
        counts["auto_closed"] += _auto_close(session, tenant_id, now)
    return counts


def _locked(session: Session, *condition: object) -> list[Report]:
    return list(
        session.scalars(
            select(Report)
            .where(*condition)  # type: ignore[arg-type]
            .order_by(Report.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
    )


def _step(session: Session, report: Report, action: str) -> bool:
    try:
        with session.begin_nested():
            transition(session, report, action, Actor.platform())
    except PlatformError as exc:
        # An official changed it meanwhile; the next sweep sees the new state.
        log.info("report %s: %s skipped: %s", report.id, action, exc.message)
        session.expire(report)
        return False
    return True


def _each(session: Session, *condition: object) -> Iterator[Report]:
    """Each report matching ``condition``, locked, batch by batch; a report a step skipped is
    not read again in this sweep."""
    seen: set[int] = set()
    while True:
        reports = _locked(session, *condition, Report.id.not_in(seen) if seen else true())
        if not reports:
            return
        for report in reports:
            seen.add(report.id)
            yield report


def _escalate(session: Session, tenant_id: int, now: datetime) -> int:
    overdue = _each(
        session,
        Report.tenant_id == tenant_id,
        Report.status.in_(HANDLING_STATES),
        Report.escalated_at.is_(None),
        Report.deadline_at.is_not(None),
        Report.deadline_at < now,
    )
    return sum(_step(session, report, "escalate") for report in overdue)


def _remind(session: Session, tenant_id: int, now: datetime) -> int:
    from .calendar import subtract_working_days

    categories: dict[int, ReportCategory | None] = {}
    done = 0
    for report in _each(
        session,
        Report.tenant_id == tenant_id,
        Report.status.in_(HANDLING_STATES),
        Report.reminded_at.is_(None),
        Report.escalated_at.is_(None),
        Report.deadline_at.is_not(None),
        # Past the deadline the escalation says it all.
        Report.deadline_at >= now,
    ):
        if report.category_id not in categories:
            categories[report.category_id] = session.get(ReportCategory, report.category_id)
        category = categories[report.category_id]
        days = category.reminder_days if category is not None else 1
        assert report.deadline_at is not None
        if now < subtract_working_days(session, tenant_id, report.deadline_at, days):
            continue
        done += _step(session, report, "remind")
    return done


def _auto_close(session: Session, tenant_id: int, now: datetime) -> int:
    unrated = _each(
        session,
        Report.tenant_id == tenant_id,
        Report.status == "resolved",
        Report.resolved_at.is_not(None),
        Report.resolved_at <= now - AUTO_CLOSE_AFTER,
    )
    return sum(_step(session, report, "close") for report in unrated)


def run_sweep(session: Session) -> dict[str, int]:
    """The periodic job (see ``tasks.periodic``)."""
    counts = sweep(session)
    if any(counts.values()):
        log.info("report deadlines sweep: %s", counts)
    return counts
