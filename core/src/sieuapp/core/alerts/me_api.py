"""Your areas, your alerts and your inbox.

An authorized agent may read them but not change them or mark anything read: where someone is
and what is new to them stay the account holder's.
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import InvalidInput, NotFound
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import clock
from ..db import current_session
from ..db.paging import header, offset_of, one_page
from ..errors import generic_message
from ..identity.principal import own_account_only, require_principal, requires_role
from ..notifications.api import NotificationQuery, notification_view
from ..notifications.models import Notification
from ..web.i18n import request_language
from . import areas as user_areas
from .inbox import Reach, alert_conditions, merged, notification_conditions, reach_of, read_ids
from .models import Alert, AlertRead, UserArea

blp = Blueprint(
    "my_alerts",
    __name__,
    url_prefix="/api/v1",
    description="Your areas, your alerts and your inbox",
)

SECURITY = [{"bearer": []}]
HEADERS = {"Vary": "Accept-Language, Authorization"}
NO_ALERT = LocalizedText(
    "Không có cảnh báo này cho khu vực của bạn.", "No such alert for your areas."
)
NOT_A_UNIT = LocalizedText(
    "Không có phường, xã này trong tỉnh.", "No such ward or commune in this province."
)


class HomeIn(Schema):
    unit_code = fields.String(required=True, validate=validate.Length(min=1, max=10))


class LocationIn(Schema):
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))


class MyAreaOut(Schema):
    kind = fields.String()
    unit_code = fields.String(allow_none=True)
    unit_name = fields.String(allow_none=True)
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    updated_at = fields.DateTime()


class MyAreasOut(Schema):
    home = fields.Nested(MyAreaOut, allow_none=True)
    current = fields.Nested(MyAreaOut, allow_none=True)


class MyAlertOut(Schema):
    type = fields.String()
    id = fields.Integer()
    kind = fields.String(metadata={"description": "alert.<msgType>: alert.Alert, alert.Update"})
    title = fields.String()
    body = fields.String()
    instruction = fields.String()
    event = fields.String()
    severity = fields.String()
    urgency = fields.String()
    certainty = fields.String()
    expires = fields.DateTime(allow_none=True)
    link = fields.String()
    created_at = fields.DateTime()
    read = fields.Boolean()


class MyAlertPage(Schema):
    language = fields.String()
    total = fields.Integer()
    unread = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    alerts = fields.List(fields.Nested(MyAlertOut))


class MyInboxPage(Schema):
    language = fields.String()
    total = fields.Integer()
    unread = fields.Integer()
    unread_notifications = fields.Integer()
    unread_alerts = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    items = fields.List(fields.Raw(), metadata={"description": "notifications and alerts"})


# -- areas ---------------------------------------------------------------------------------------


def _area_view(session: Session, row: UserArea | None) -> dict[str, Any] | None:
    if row is None:
        return None
    unit = (
        user_areas.unit_of_tenant(session, row.tenant_id, row.unit_code) if row.unit_code else None
    )
    return {
        "kind": row.kind,
        "unit_code": row.unit_code,
        "unit_name": unit.name if unit else None,
        "lat": row.lat,
        "lon": row.lon,
        "updated_at": row.updated_at,
    }


def _areas_view(session: Session, tenant_id: int, user_id: str) -> dict[str, Any]:
    found = user_areas.areas_of(session, tenant_id, user_id)
    return {kind: _area_view(session, found.get(kind)) for kind in ("home", "current")}


@blp.route("/me/areas")
@blp.response(200, MyAreasOut)
@blp.doc(summary="Where you receive alerts for", security=SECURITY)
def get_areas() -> dict[str, Any]:
    principal = require_principal()
    return _areas_view(current_session(), principal.tenant_id, principal.user_id)


@blp.route("/me/areas/home", methods=["PUT"])
@requires_role()
@blp.arguments(HomeIn)
@blp.response(200, MyAreasOut)
@blp.doc(summary="Choose your home ward or commune", security=SECURITY)
@own_account_only
def put_home(data: dict[str, Any]) -> dict[str, Any]:
    principal = require_principal()
    session = current_session()
    if user_areas.unit_of_tenant(session, principal.tenant_id, data["unit_code"]) is None:
        raise InvalidInput(
            generic_message(422, "Some fields are invalid."),
            {"unit_code": [NOT_A_UNIT.get(request_language())]},
        )
    user_areas.set_home(session, principal.tenant_id, principal.user_id, data["unit_code"])
    return _areas_view(session, principal.tenant_id, principal.user_id)


@blp.route("/me/areas/current", methods=["PUT"])
@requires_role()
@blp.arguments(LocationIn)
@blp.response(200, MyAreasOut)
@blp.doc(
    summary="Receive alerts where you are (opt in); send it again when you move",
    security=SECURITY,
)
@own_account_only
def put_current(data: dict[str, Any]) -> dict[str, Any]:
    principal = require_principal()
    session = current_session()
    user_areas.set_current(
        session, principal.tenant_id, principal.user_id, data["lat"], data["lon"]
    )
    return _areas_view(session, principal.tenant_id, principal.user_id)


@blp.route("/me/areas/current", methods=["DELETE"])
@blp.response(204)
@blp.doc(summary="Stop receiving alerts where you are and forget the location", security=SECURITY)
@own_account_only
def delete_current() -> None:
    principal = require_principal()
    user_areas.clear_current(current_session(), principal.tenant_id, principal.user_id)


# -- alerts and the inbox ------------------------------------------------------------------------


def _alert_view(alert: Alert, language: str, read: bool) -> dict[str, Any]:
    english = language == "en"

    def pick(vi: str, en: str) -> str:
        return (en or vi) if english else vi

    headline = pick(alert.headline, alert.headline_en) or pick(alert.event, alert.event_en)
    return {
        "type": "alert",
        "id": alert.id,
        "kind": f"alert.{alert.msg_type}",
        "title": headline,
        "body": pick(alert.description, alert.description_en),
        "instruction": pick(alert.instruction, alert.instruction_en),
        "event": pick(alert.event, alert.event_en),
        "severity": alert.severity,
        "urgency": alert.urgency,
        "certainty": alert.certainty,
        "expires": alert.expires,
        "link": f"/api/v1/me/alerts/{alert.id}",
        "created_at": alert.sent,
        "read": read,
    }


def _count(session: Session, column: Any, conditions: list[Any]) -> int:
    return session.scalar(select(func.count(column)).where(*conditions)) or 0


def _alerts(session: Session, reach: Reach, ids: list[int], language: str) -> dict[int, Any]:
    rows = session.scalars(select(Alert).where(Alert.id.in_(ids))).all() if ids else []
    seen = read_ids(session, reach.user_id, ids)
    return {row.id: _alert_view(row, language, row.id in seen) for row in rows}


@blp.route("/me/alerts")
@blp.arguments(NotificationQuery, location="query")
@blp.response(200, MyAlertPage)
@blp.doc(summary="Alerts for your areas, newest first", security=SECURITY)
def list_my_alerts(query: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    principal = require_principal()
    session = current_session()
    language = request_language()
    reach = reach_of(session, principal.tenant_id, principal.user_id)
    chosen = alert_conditions(reach, query.get("unread"))
    newest = select(Alert.id).where(*chosen).order_by(Alert.sent.desc(), Alert.id.desc())
    ids = list(session.scalars(one_page(newest, query)))
    views = _alerts(session, reach, ids, language)
    body = {
        "language": language,
        **header(query, _count(session, Alert.id, chosen)),
        "unread": _count(session, Alert.id, alert_conditions(reach, True)),
        "alerts": [views[i] for i in ids],
    }
    return body, 200, {"Content-Language": language, **HEADERS}


class MyAlertDetail(MyAlertOut):
    areas = fields.List(fields.String(), metadata={"description": "the areas' descriptions"})
    web = fields.String(allow_none=True)
    contact = fields.String(allow_none=True)


def _mine(session: Session, alert_id: int) -> Alert:
    principal = require_principal()
    reach = reach_of(session, principal.tenant_id, principal.user_id)
    alert = session.scalar(select(Alert).where(Alert.id == alert_id, *alert_conditions(reach)))
    if alert is None:
        raise NotFound(NO_ALERT.get(request_language()))
    return alert


@blp.route("/me/alerts/<int:alert_id>")
@blp.response(200, MyAlertDetail)
@blp.alt_response(404, description="Not an alert for your areas")
@blp.doc(summary="One alert for your areas", security=SECURITY)
def get_alert(alert_id: int) -> dict[str, Any]:
    session = current_session()
    alert = _mine(session, alert_id)
    language = request_language()
    read = session.get(AlertRead, (require_principal().user_id, alert_id)) is not None
    english = language == "en"
    return {
        **_alert_view(alert, language, read),
        "areas": [(a.area_desc_en or a.area_desc) if english else a.area_desc for a in alert.areas],
        "web": alert.web,
        "contact": alert.contact,
    }


@blp.route("/me/alerts/<int:alert_id>/read", methods=["POST"])
@blp.response(200, MyAlertOut)
@blp.alt_response(404, description="Not an alert for your areas")
@blp.doc(summary="Mark an alert read", security=SECURITY)
@own_account_only
def read_alert(alert_id: int) -> dict[str, Any]:
    principal = require_principal()
    session = current_session()
    alert = _mine(session, alert_id)
    if session.get(AlertRead, (principal.user_id, alert_id)) is None:
        session.add(AlertRead(user_id=principal.user_id, alert_id=alert_id, read_at=clock.now()))
        session.flush()
    return _alert_view(alert, request_language(), True)


@blp.route("/me/inbox")
@blp.arguments(NotificationQuery, location="query")
@blp.response(200, MyInboxPage)
@blp.doc(
    summary="Your notifications and the alerts for your areas, newest first, paged together",
    description="Each item has `type` `notification` or `alert`; texts follow Accept-Language.",
    security=SECURITY,
)
def my_inbox(query: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    principal = require_principal()
    session = current_session()
    language = request_language()
    reach = reach_of(session, principal.tenant_id, principal.user_id)
    window = merged(reach, query.get("unread"), offset_of(query) + query["page_size"])
    page = session.execute(one_page(window, query)).all()
    note_ids = [row.id for row in page if row.type == "notification"]
    alert_ids = [row.id for row in page if row.type == "alert"]
    notes = {
        n.id: {"type": "notification", **notification_view(n, language)}
        for n in session.scalars(select(Notification).where(Notification.id.in_(note_ids)))
    }
    alerts = _alerts(session, reach, alert_ids, language)
    unread_notes = _count(session, Notification.id, notification_conditions(reach, True))
    unread_alerts = _count(session, Alert.id, alert_conditions(reach, True))
    total = session.scalar(
        select(func.count()).select_from(merged(reach, query.get("unread")).subquery())
    )
    body = {
        "language": language,
        **header(query, total or 0),
        "unread": unread_notes + unread_alerts,
        "unread_notifications": unread_notes,
        "unread_alerts": unread_alerts,
        "items": [(notes if row.type == "notification" else alerts)[row.id] for row in page],
    }
    return body, 200, {"Content-Language": language, **HEADERS}
