"""The public report feed and statistics: anyone may read them, nobody is named in them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sieuapp.sdk.errors import InvalidInput, NotFound
from sqlalchemy import select

from ..db import current_session
from ..db.paging import paged
from ..tenancy.context import current_tenant
from ..tenancy.models import Organization
from ..web.csv_download import csv_response, wants_csv
from ..web.i18n import request_language
from . import stats
from .models import Report, ReportCategory
from .public_view import public_events, public_report
from .search import search_condition

blp = Blueprint(
    "reports_public",
    __name__,
    url_prefix="/api/v1/public",
    description="Public report feed and statistics",
)

#: Statuses a public report can have (a dismissed report leaves the feed).
FEED_STATUSES = (
    "moderated",
    "assigned",
    "in_progress",
    "info_requested",
    "resolved",
    "rejected",
    "closed",
    "merged",
)


class Bound(fields.Field):
    """YYYY-MM-DD (a day in Vietnam: ``since`` from its start, ``until`` through its end) or an
    ISO 8601 date-time with an offset."""

    def __init__(self, *, end: bool, **kwargs: Any) -> None:
        super().__init__(
            metadata={"description": "YYYY-MM-DD (Vietnam's day) or ISO 8601 with an offset"},
            **kwargs,
        )
        self.end = end

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if not isinstance(value, str) or len(value) > 40:
            raise ValidationError("Use YYYY-MM-DD or an ISO 8601 date-time with an offset.")
        try:
            return stats.parse_bound(value, attr or "since", end=self.end)
        except InvalidInput as exc:
            raise ValidationError(next(iter(exc.errors.values()))) from exc


class _Bounds(Schema):
    since = Bound(end=False)
    until = Bound(end=True)

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("since") and data.get("until") and data["since"] >= data["until"]:
            raise ValidationError("Must be before 'until'.", "since")


class FeedQuery(_Bounds):
    category = fields.String(validate=validate.Length(max=64), metadata={"description": "code"})
    organization = fields.String(
        validate=validate.Length(max=64), metadata={"description": "organization code"}
    )
    unit_code = fields.String(validate=validate.Length(max=10))
    status = fields.String(validate=validate.OneOf([*FEED_STATUSES, "open", "done"]))
    q = fields.String(
        validate=validate.Length(max=200), metadata={"description": "accents optional"}
    )
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class FeedPage(Schema):
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    items = fields.List(fields.Dict())


class StatsQuery(_Bounds):
    group_by = fields.String(load_default="tenant", validate=validate.OneOf(stats.GROUPS))
    period = fields.String(load_default="month", validate=validate.OneOf(stats.PERIODS))
    format = fields.String(load_default=None, validate=validate.OneOf(["json", "csv"]))


def _feed_condition(tenant_id: int) -> list[Any]:
    return [
        Report.tenant_id == tenant_id,
        Report.public.is_(True),
        Report.status != "dismissed",
    ]


@blp.route("/reports")
@blp.arguments(FeedQuery, location="query")
@blp.response(200, FeedPage)
@blp.doc(summary="Moderated reports, newest first; no reporter or contact is ever shown")
def feed(query: dict[str, Any]) -> dict[str, Any]:
    session = current_session()
    tenant_id = current_tenant().id
    condition = _feed_condition(tenant_id)
    if "category" in query:
        condition.append(
            Report.category_id.in_(
                select(ReportCategory.id).where(
                    ReportCategory.tenant_id == tenant_id, ReportCategory.code == query["category"]
                )
            )
        )
    if "organization" in query:
        condition.append(
            Report.organization_id.in_(
                select(Organization.id).where(
                    Organization.tenant_id == tenant_id, Organization.code == query["organization"]
                )
            )
        )
    if "unit_code" in query:
        condition.append(Report.unit_code == query["unit_code"])
    status = query.get("status")
    if status == "open":
        condition.append(Report.status.not_in(stats.NOT_OPEN))
    elif status == "done":
        condition.append(Report.status.in_(stats.NOT_OPEN))
    elif status:
        condition.append(Report.status == status)
    if query.get("q"):
        condition.append(search_condition(query["q"]))
    if "since" in query:
        condition.append(Report.submitted_at >= query["since"])
    if "until" in query:
        condition.append(Report.submitted_at < query["until"])
    order = (Report.submitted_at.desc(), Report.id.desc())
    page, reports = paged(session, Report, condition, order, query)
    language = request_language()
    return {**page, "items": [public_report(session, r, language) for r in reports]}


@blp.route("/reports/<int:report_id>")
@blp.response(200)
@blp.doc(summary="One moderated report with its public history")
def one(report_id: int) -> dict[str, Any]:
    session = current_session()
    report = session.scalar(
        select(Report).where(Report.id == report_id, *_feed_condition(current_tenant().id))
    )
    if report is None:
        raise NotFound("No such public report.")
    language = request_language()
    return {
        **public_report(session, report, language),
        "history": public_events(session, report, language),
    }


@blp.route("/reports/stats")
@blp.arguments(StatsQuery, location="query")
@blp.response(200)
@blp.doc(
    summary="Received, handled, on time, median handling time, satisfaction and disputes",
    description="JSON, or CSV (UTF-8 with a byte order mark, so that Excel reads Vietnamese) "
    "with format=csv or Accept: text/csv. Definitions: docs/reports.md.",
)
def statistics(query: dict[str, Any]) -> Any:
    result = stats.compute(
        current_session(),
        current_tenant().id,
        group_by=query["group_by"],
        period=query["period"],
        since=query.get("since"),
        until=query.get("until"),
        language=request_language(),
    )
    if not wants_csv(query.get("format")):
        return result
    return _csv(result)


def _csv(result: dict[str, Any]) -> Response:
    total_label = "Total" if request_language() == "en" else "Tổng"
    rows = [
        [
            result["group_by"],
            group["key"] or "",
            group["label"],
            *(group[m] for m in stats.METRICS),
        ]
        for group in [*result["groups"], {"key": "", "label": total_label, **result["total"]}]
    ]
    name = f"reports-{current_tenant().slug}-{result['group_by']}.csv"
    return csv_response(["group_by", "key", "label", *stats.METRICS], rows, name)
