"""Current alerts, public: what the app's banner shows before anyone signs in, in the caller's
language, for a commune or a point when asked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .. import clock
from ..db import current_session
from ..reports.geo import locate_unit
from ..tenancy.context import current_tenant
from ..web.i18n import request_language
from . import geometry
from .feed import cap_href
from .inbox import PROVINCE, SHOWN_STATUS
from .models import Alert, AlertTarget
from .publishing import current_alerts
from .rules import cap_time

blp = Blueprint(
    "public_alerts", __name__, url_prefix="/api/v1/public", description="Current alerts, public"
)


class PublicQuery(Schema):
    unit = fields.String(
        validate=validate.Length(min=1, max=10), metadata={"description": "a commune's code"}
    )
    lat = fields.Float(validate=validate.Range(-90, 90), allow_nan=False)
    lon = fields.Float(validate=validate.Range(-180, 180), allow_nan=False)

    @validates_schema
    def _point(self, data: dict[str, Any], **_: Any) -> None:
        if ("lat" in data) != ("lon" in data):
            missing = "lon" if "lat" in data else "lat"
            raise ValidationError("Give lat and lon together.", missing)
        if "unit" in data and "lat" in data:
            raise ValidationError("Give a unit or a point, not both.", "unit")


class PublicAlerts(Schema):
    items = fields.List(fields.Dict())


def _targets(session: Session, alert_ids: Sequence[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    rows = session.execute(
        select(AlertTarget.alert_id, AlertTarget.unit_code).where(
            AlertTarget.alert_id.in_(alert_ids)
        )
    )
    for alert_id, unit_code in rows:
        found.setdefault(alert_id, set()).add(unit_code)
    return found


def _reaches_point(
    alert: Alert, targets: set[str], unit: str | None, lat: float, lon: float
) -> bool:
    # As in a user's inbox: a shaped alert reaches the point only if a shape holds it; an alert
    # of geocodes reaches its whole communes; the province's code reaches everyone.
    if PROVINCE in targets or any(geometry.covers_point(a, lat, lon) for a in alert.areas):
        return True
    shaped = any(geometry.has_shape(a) for a in alert.areas)
    return not shaped and unit is not None and unit in targets


def _text(alert: Alert, name: str, english: bool) -> str:
    own = getattr(alert, name) or ""
    return (getattr(alert, f"{name}_en") or own) if english else own


def _time(value: Any) -> str | None:
    return cap_time(value) if value is not None else None


def _public(alert: Alert, english: bool, base_url: str) -> dict[str, Any]:
    return {
        "identifier": alert.identifier,
        "msg_type": alert.msg_type,
        "event": _text(alert, "event", english),
        "headline": _text(alert, "headline", english),
        "description": _text(alert, "description", english),
        "instruction": _text(alert, "instruction", english),
        "category": alert.category.split(),
        "response_type": (alert.response_type or "").split(),
        "urgency": alert.urgency,
        "severity": alert.severity,
        "certainty": alert.certainty,
        "sender_name": alert.sender_name,
        "sent": _time(alert.sent),
        "effective": _time(alert.effective),
        "onset": _time(alert.onset),
        "expires": _time(alert.expires),
        "web": alert.web,
        "contact": alert.contact,
        "areas": [
            {
                "area_desc": (area.area_desc_en or area.area_desc) if english else area.area_desc,
                "polygons": area.polygons or [],
                "circles": area.circles or [],
                "geocodes": area.geocodes or [],
            }
            for area in alert.areas
        ],
        "cap_url": cap_href(base_url, alert),
    }


@blp.route("/alerts")
@blp.arguments(PublicQuery, location="query")
@blp.response(200, PublicAlerts)
@blp.doc(
    summary="The alerts in effect now, newest first (real alerts only, not exercises)",
    description="Texts in the language of Accept-Language (Vietnamese by default). `unit`: "
    "alerts reaching that commune; `lat` & `lon`: alerts whose shapes hold the point or whose "
    "communes include it. CAP XML of each: `cap_url`; all of them: /cap/feed.atom.",
)
def current(query: dict[str, Any]) -> dict[str, Any]:
    session = current_session()
    tenant_id = current_tenant().id
    alerts = [
        a for a in current_alerts(session, tenant_id, clock.now()) if a.status == SHOWN_STATUS
    ]
    if alerts:
        session.scalars(
            select(Alert)
            .options(selectinload(Alert.areas))
            .where(Alert.id.in_([a.id for a in alerts]))
        ).all()
    if "unit" in query or "lat" in query:
        targets = _targets(session, [a.id for a in alerts])
        if "unit" in query:
            alerts = [a for a in alerts if {query["unit"], PROVINCE} & targets.get(a.id, set())]
        else:
            lat, lon = query["lat"], query["lon"]
            unit = locate_unit(session, tenant_id, lat, lon)
            alerts = [
                a for a in alerts if _reaches_point(a, targets.get(a.id, set()), unit, lat, lon)
            ]
    english = request_language() == "en"
    return {"items": [_public(a, english, request.host_url) for a in alerts]}
