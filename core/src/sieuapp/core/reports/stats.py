"""Report statistics per tenant, organization, category or period.

Definitions (docs/reports.md says the same for readers):

- A report counts in the group and period it was *received* in (``submitted_at``), whatever
  happened to it later, so a period's numbers only grow as its reports are handled.
- ``received``: reports submitted in the period. ``dismissed`` and ``merged``: of those, how many
  were dismissed or merged into another report; neither is handled, nor expected to be.
- ``handled``: resolved now (``resolved_at`` set); a dispute clears it, so a reopened report
  counts again once it is resolved again.
  ``handled_pct`` = handled / (received − dismissed − merged).
- ``on_time``: handled no later than the deadline of the assignment it was resolved under
  (``resolved_at <= deadline_at``); ``on_time_pct`` = on_time / handled with a deadline.
- ``median_hours``: median of ``resolved_at − submitted_at`` over handled reports, in hours (what
  the citizen waited, from sending to the answer, including the IOC's routing time).
- ``satisfied`` / ``accepted`` / ``not_satisfied``: the latest rating; percentages are of the
  rated reports.
- ``disputes``: dispute steps taken (a report disputed twice counts twice).
- ``open``: not resolved, closed, merged nor dismissed now; ``overdue``: open and past its deadline.

Medians are computed here, in Python, so that SQLite and PostgreSQL answer the same.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sieuapp.sdk.errors import InvalidInput
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import clock
from ..clock import ZONE
from ..tenancy.models import Organization
from .models import Report, ReportCategory, ReportEvent

GROUPS = ("tenant", "organization", "category", "period")
PERIODS = ("day", "week", "month")
RATINGS = ("satisfied", "accepted", "not_satisfied")
NOT_OPEN = frozenset({"resolved", "closed", "merged", "dismissed"})

#: The CSV columns, in order, after the group's key and label.
METRICS = (
    "received",
    "handled",
    "handled_pct",
    "on_time",
    "on_time_pct",
    "median_hours",
    "satisfied",
    "accepted",
    "not_satisfied",
    "satisfied_pct",
    "accepted_pct",
    "not_satisfied_pct",
    "disputes",
    "dismissed",
    "merged",
    "open",
    "overdue",
)


@dataclass(frozen=True)
class Row:
    category_id: int
    organization_id: int | None
    status: str
    submitted_at: datetime
    resolved_at: datetime | None
    deadline_at: datetime | None
    rating: str | None
    disputes: int


def local_start(day: date) -> datetime:
    """The first instant of ``day`` in Vietnam, as a UTC-comparable aware datetime."""
    return datetime.combine(day, time.min, tzinfo=ZONE)


def period_key(moment: datetime, period: str) -> str:
    day = moment.astimezone(ZONE).date()
    if period == "day":
        return day.isoformat()
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def metrics(rows: Iterable[Row], now: datetime) -> dict[str, Any]:
    rows = list(rows)
    received = len(rows)
    dismissed = sum(r.status == "dismissed" for r in rows)
    merged = sum(r.status == "merged" for r in rows)
    handled_rows = [r for r in rows if r.resolved_at is not None]
    with_deadline = [r for r in handled_rows if r.deadline_at is not None]
    on_time = sum(r.resolved_at <= r.deadline_at for r in with_deadline)  # type: ignore[operator]
    hours = [
        (r.resolved_at - r.submitted_at).total_seconds() / 3600  # type: ignore[operator]
        for r in handled_rows
    ]
    ratings = {k: sum(r.rating == k for r in rows) for k in RATINGS}
    rated = sum(ratings.values())
    open_rows = [r for r in rows if r.status not in NOT_OPEN]
    return {
        "received": received,
        "handled": len(handled_rows),
        "handled_pct": _pct(len(handled_rows), received - dismissed - merged),
        "on_time": on_time,
        "on_time_pct": _pct(on_time, len(with_deadline)),
        "median_hours": round(statistics.median(hours), 1) if hours else None,
        **ratings,
        **{f"{k}_pct": _pct(v, rated) for k, v in ratings.items()},
        "disputes": sum(r.disputes for r in rows),
        "dismissed": dismissed,
        "merged": merged,
        "open": len(open_rows),
        "overdue": sum(r.deadline_at is not None and r.deadline_at < now for r in open_rows),
    }


def _rows(
    session: Session, tenant_id: int, since: datetime | None, until: datetime | None
) -> list[Row]:
    condition = [Report.tenant_id == tenant_id]
    if since is not None:
        condition.append(Report.submitted_at >= since)
    if until is not None:
        condition.append(Report.submitted_at < until)
    dispute_counts = (
        select(ReportEvent.report_id, func.count().label("n"))
        .where(ReportEvent.tenant_id == tenant_id, ReportEvent.action == "dispute")
        .group_by(ReportEvent.report_id)
        .subquery()
    )
    result = session.execute(
        select(
            Report.category_id,
            Report.organization_id,
            Report.status,
            Report.submitted_at,
            Report.resolved_at,
            Report.deadline_at,
            Report.rating,
            func.coalesce(dispute_counts.c.n, 0),
        )
        .outerjoin(dispute_counts, dispute_counts.c.report_id == Report.id)
        .where(*condition)
    )
    return [Row(*values) for values in result]


def compute(
    session: Session,
    tenant_id: int,
    *,
    group_by: str = "tenant",
    period: str = "month",
    since: datetime | None = None,
    until: datetime | None = None,
    language: str = "vi",
) -> dict[str, Any]:
    """Statistics of the reports received in ``[since, until)``, in groups, with a total."""
    now = clock.now()
    rows = _rows(session, tenant_id, since, until)
    groups: dict[Any, list[Row]] = defaultdict(list)
    if group_by != "tenant":
        for row in rows:
            if group_by == "organization":
                key: Any = row.organization_id
            elif group_by == "category":
                key = row.category_id
            else:
                key = period_key(row.submitted_at, period)
            groups[key].append(row)
    labels = _labels(session, tenant_id, group_by, groups.keys(), language)
    ordered = sorted(groups, key=lambda k: (k is None, str(labels[k][1]) if k else ""))
    if group_by == "period":
        ordered = sorted(groups)
    return {
        "group_by": group_by,
        "period": period if group_by == "period" else None,
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "time_zone": ZONE.key,
        "generated_at": now.isoformat(),
        "total": metrics(rows, now),
        "groups": [
            {"key": labels[k][0], "label": labels[k][1], **metrics(groups[k], now)} for k in ordered
        ],
    }


def _labels(
    session: Session, tenant_id: int, group_by: str, keys: Iterable[Any], language: str
) -> dict[Any, tuple[str | None, str]]:
    """Each group's public key (a code, not a database id) and its name."""
    keys = list(keys)
    english = language == "en"
    if group_by == "organization":
        orgs = {
            o.id: o
            for o in session.scalars(
                select(Organization).where(
                    Organization.tenant_id == tenant_id,
                    Organization.id.in_([k for k in keys if k is not None]),
                )
            )
        }
        unrouted = "Awaiting routing (IOC)" if english else "Chờ điều phối (IOC)"
        return {
            k: (orgs[k].code, (orgs[k].name_en if english and orgs[k].name_en else orgs[k].name))
            if k in orgs
            else (None, unrouted)
            for k in keys
        }
    if group_by == "category":
        categories = {
            c.id: c
            for c in session.scalars(
                select(ReportCategory).where(
                    ReportCategory.tenant_id == tenant_id, ReportCategory.id.in_(keys)
                )
            )
        }
        return {
            k: (
                categories[k].code,
                (categories[k].name_en or categories[k].name) if english else categories[k].name,
            )
            for k in keys
        }
    return {k: (k, k) for k in keys}


def parse_bound(value: str, field: str, *, end: bool) -> datetime:
    """A ``since``/``until`` query value: an aware ISO datetime, or a day in Vietnam's time
    (``since`` from its start; ``until`` including that whole day)."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return local_start(day + timedelta(days=1) if end else day)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(
            "Invalid date.", {field: ["Use YYYY-MM-DD or an ISO 8601 date-time with an offset."]}
        ) from exc
    if moment.tzinfo is None:
        raise InvalidInput("Invalid date.", {field: ["A date-time needs a UTC offset."]})
    return moment
