"""The province console's module usage: distinct signed-in users per module and day, or per
module and home commune, over a range of days; JSON or CSV."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Response
from flask_smorest import Blueprint
from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates,
    validates_schema,
)
from sieuapp.sdk import LocalizedText
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from .._runtime import runtime_of
from ..clock import ZONE
from ..db import current_session
from ..identity.principal import requires_role
from ..reports.calendar import local_day
from ..tenancy.context import current_tenant
from ..tenancy.models import AdministrativeUnit
from ..web.csv_download import csv_response, wants_csv
from ..web.i18n import request_language
from . import usage_stats
from .api import WATCHERS
from .models import ModuleState

blp = Blueprint(
    "module_usage", __name__, url_prefix="/api/v1/admin", description="Module usage statistics"
)

T = LocalizedText
#: The range when none is given: the last 30 days, today included.
DEFAULT_DAYS = 30
#: The longest range asked at once: a year, a leap day included.
LONGEST_DAYS = 366
GROUPS = ("day", "commune")
UNKNOWN_COMMUNE = T("Chưa rõ", "Unknown")
AFTER_TO = T("Không được sau ngày 'to'.", "Must not be after 'to'.")
TOO_LONG = T(
    f"Khoảng thời gian dài nhất là {LONGEST_DAYS} ngày.",
    f"The range is {LONGEST_DAYS} days at the most.",
)
UNKNOWN_MODULE = T("Không có dịch vụ này.", "No such module.")


class UsageQuery(Schema):
    first = fields.Date(
        data_key="from",
        metadata={
            "description": f"YYYY-MM-DD, a day in Vietnam; default: {DEFAULT_DAYS} days "
            "before 'to', that day included"
        },
    )
    last = fields.Date(
        data_key="to", metadata={"description": "YYYY-MM-DD, included; default: today"}
    )
    module = fields.String(
        validate=validate.Length(min=1, max=40), metadata={"description": "a plugin id"}
    )
    by = fields.String(load_default="day", validate=validate.OneOf(GROUPS))
    format = fields.String(load_default=None, validate=validate.OneOf(["json", "csv"]))

    @validates("module")
    def _module(self, value: str, **_: Any) -> None:
        if value not in _known_modules(current_session(), current_tenant().id):
            raise ValidationError(UNKNOWN_MODULE.get(request_language()))

    @validates_schema
    def _range(self, data: dict[str, Any], **_: Any) -> None:
        first, last = _bounds(data)
        language = request_language()
        if first > last:
            raise ValidationError(AFTER_TO.get(language), "from")
        if (last - first).days + 1 > LONGEST_DAYS:
            raise ValidationError(TOO_LONG.get(language), "from")

    @post_load
    def _defaults(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["first"], data["last"] = _bounds(data)
        return data


def _bounds(data: dict[str, Any]) -> tuple[date, date]:
    last = data.get("last") or local_day(clock.now())
    first = data.get("first") or last - timedelta(days=DEFAULT_DAYS - 1)
    return first, last


class CommuneOut(Schema):
    code = fields.String(allow_none=True, metadata={"description": "null: no home commune"})
    name = fields.String()


class UsageRow(Schema):
    module = fields.String()
    module_name = fields.String(metadata={"description": "in the language of Accept-Language"})
    day = fields.String(metadata={"description": "by=day: YYYY-MM-DD"})
    commune = fields.Nested(CommuneOut, metadata={"description": "by=commune"})
    users = fields.Integer(
        metadata={
            "description": "by=day: users that day; by=commune: distinct users over the range"
        }
    )


class UsageTotal(Schema):
    module = fields.String()
    module_name = fields.String()
    users = fields.Integer(metadata={"description": "distinct users over the range"})


class UsageAnswer(Schema):
    by = fields.String()
    first = fields.String(data_key="from")
    last = fields.String(data_key="to")
    module = fields.String(allow_none=True)
    time_zone = fields.String()
    rows = fields.List(fields.Nested(UsageRow))
    totals = fields.List(fields.Nested(UsageTotal))


@blp.route("/modules/usage")
@requires_role(*WATCHERS)
@blp.arguments(UsageQuery, location="query")
@blp.response(200, UsageAnswer)
@blp.doc(
    summary="Signed-in users of this tenant's modules per day or per home commune",
    description="A person counts once per module and day (Vietnam's days), whatever the "
    "number of requests; `by=commune` counts distinct people over the range, by the home "
    "commune they had when they used the module (`code: null` for none). Anonymous use is not "
    "counted. `by=day` lists every day of the range for each module shown, 0 included. JSON, "
    "or CSV (UTF-8 with a byte order mark) with format=csv or Accept: text/csv.",
    security=[{"bearer": []}],
)
def module_usage(query: dict[str, Any]) -> Any:
    session = current_session()
    tenant_id = current_tenant().id
    language = request_language()
    plugin_id = query.get("module")
    scope = usage_stats.Scope(tenant_id, query["first"], query["last"], plugin_id)
    names = _module_names(language)
    if query["by"] == "day":
        rows = _day_rows(session, scope, names)
    else:
        rows = _commune_rows(session, scope, names, language)
    if wants_csv(query.get("format")):
        return _csv(query["by"], rows, scope)
    totals = usage_stats.by_module(session, scope)
    return {
        "by": query["by"],
        "first": scope.first.isoformat(),
        "last": scope.last.isoformat(),
        "module": plugin_id,
        "time_zone": ZONE.key,
        "rows": rows,
        "totals": [
            {"module": m, "module_name": names.get(m, m), "users": totals[m]}
            for m in sorted(totals)
        ],
    }


def _known_modules(session: Session, tenant_id: int) -> set[str]:
    """Plugins on this platform, and those installed here whose plugin is gone (their usage
    stays readable)."""
    installed = session.scalars(
        select(ModuleState.plugin_id).where(ModuleState.tenant_id == tenant_id)
    )
    return {*runtime_of().host.records, *installed}


def _module_names(language: str) -> dict[str, str]:
    return {
        plugin_id: record.manifest.name.get(language)
        for plugin_id, record in runtime_of().host.records.items()
        if record.manifest is not None
    }


def _day_rows(
    session: Session, scope: usage_stats.Scope, names: dict[str, str]
) -> list[dict[str, Any]]:
    counts = usage_stats.by_day(session, scope)
    # Every day of the range, 0 included, so that a chart's axis needs no filling.
    asked = {scope.plugin_id} if scope.plugin_id else set()
    modules = sorted({module for module, _ in counts} | asked)
    days = scope.days()
    return [
        {
            "module": module,
            "module_name": names.get(module, module),
            "day": day.isoformat(),
            "users": counts.get((module, day), 0),
        }
        for module in modules
        for day in days
    ]


def _commune_rows(
    session: Session, scope: usage_stats.Scope, names: dict[str, str], language: str
) -> list[dict[str, Any]]:
    counts = usage_stats.by_commune(session, scope)
    codes = {code for _, code, _ in counts if code is not None}
    units = dict(
        session.execute(
            select(AdministrativeUnit.code, AdministrativeUnit.name).where(
                AdministrativeUnit.tenant_id == scope.tenant_id,
                AdministrativeUnit.code.in_(codes),
            )
        ).all()
    )
    unknown = UNKNOWN_COMMUNE.get(language)
    rows = [
        {
            "module": module,
            "module_name": names.get(module, module),
            "commune": {
                "code": code,
                "name": unknown if code is None else units.get(code, code),
            },
            "users": users,
        }
        for module, code, users in counts
    ]
    # Per module, the most used communes first; the unknown one last.
    rows.sort(
        key=lambda r: (r["module"], r["commune"]["code"] is None, -r["users"], r["commune"]["name"])
    )
    return rows


def _csv(by: str, rows: list[dict[str, Any]], scope: usage_stats.Scope) -> Response:
    name = f"module-usage-{current_tenant().slug}-{by}-{scope.first}-{scope.last}.csv"
    if by == "day":
        return csv_response(
            ["module", "module_name", "day", "users"],
            ([r["module"], r["module_name"], r["day"], r["users"]] for r in rows),
            name,
        )
    return csv_response(
        ["module", "module_name", "commune_code", "commune_name", "users"],
        (
            [r["module"], r["module_name"], r["commune"]["code"], r["commune"]["name"], r["users"]]
            for r in rows
        ),
        name,
    )
