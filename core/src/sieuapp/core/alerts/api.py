"""Government alerts (CAP 1.2): compose, publish, update, cancel.

The IOC and the province's administrators act on any alert of their tenant; an official acts
on the alerts someone of their own organization created. Citizens read alerts through their
inbox and the public feed, never here. An alert of another tenant is answered 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sieuapp.sdk import LocalizedText, Role
from sieuapp.sdk.errors import Conflict, Forbidden, NotFound
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit.log import record as audit
from ..db import current_session
from ..db.paging import paged
from ..identity.models import RoleAssignment
from ..identity.principal import Principal, require_principal, requires_role
from ..notifications.delivery import summary
from ..tenancy.context import current_tenant
from ..web.i18n import request_language
from . import compose, publishing, rules
from .models import Alert, AlertTarget

blp = Blueprint(
    "alerts",
    __name__,
    url_prefix="/api/v1",
    description="Government alerts (CAP 1.2): compose, publish, update, cancel",
)

ROLES = (Role.IOC_OPERATOR.value, Role.OFFICIAL.value, Role.PROVINCE_ADMIN.value)
#: Who acts on any alert of the tenant; an official only on their organization's.
ANY_ALERT = (Role.IOC_OPERATOR.value, Role.PROVINCE_ADMIN.value)
SECURITY = [{"bearer": []}]
NOT_FOUND = LocalizedText("Không tìm thấy cảnh báo.", "No such alert.")
NOT_YOURS = LocalizedText(
    "Cảnh báo này do một cơ quan khác soạn.", "Another organization composed this alert."
)
NOT_DRAFT = LocalizedText("Chỉ xóa được bản nháp.", "Only a draft can be deleted.")

F = TypeVar("F", bound=Callable[..., Any])


# -- schemas ------------------------------------------------------------------------------------


class VersionIn(Schema):
    version = fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={"description": "the version read; a 409 if the alert changed since"},
    )


class AlertPatchIn(compose.AlertPatch):
    version = fields.Integer(load_default=None, allow_none=True)


class CancelIn(VersionIn):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ListQuery(Schema):
    state = fields.String(validate=validate.OneOf(("draft", "published", "superseded")))
    status = fields.String(validate=validate.OneOf(rules.STATUSES))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


class ThreadItemOut(Schema):
    id = fields.Integer()
    identifier = fields.String()
    msg_type = fields.String()
    state = fields.String()
    sent = fields.DateTime(allow_none=True)


class ComposedAlertOut(Schema):
    id = fields.Integer()
    version = fields.Integer()
    identifier = fields.String()
    sender = fields.String()
    state = fields.String()
    origin = fields.String()
    msg_type = fields.String()
    references = fields.String(allow_none=True)
    thread_id = fields.Integer(allow_none=True)
    sent = fields.DateTime(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    recipients = fields.Integer()
    fanout_finished_at = fields.DateTime(allow_none=True)
    alert = fields.Dict(metadata={"description": "the composer fields, areas included"})
    targets = fields.Integer(metadata={"description": "units reached (1 for the province)"})
    thread = fields.List(fields.Nested(ThreadItemOut))
    deliveries = fields.Dict(metadata={"description": "{channel: {status: count}}"})


class ComposedAlertPage(Schema):
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    items = fields.List(fields.Nested(ComposedAlertOut))


# -- helpers ------------------------------------------------------------------------------------


def _body_doc(schema: type[Schema]) -> dict[str, Any]:
    # The body is loaded by ``compose.load`` so that its 422s name fields as the CAP rules do.
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _patch_body() -> dict[str, Any]:
    return compose.load(request.get_json(silent=True), partial=True, schema=AlertPatchIn)


def _alert(session: Session, alert_id: int) -> Alert:
    alert = session.scalar(
        select(Alert).where(Alert.id == alert_id, Alert.tenant_id == current_tenant().id)
    )
    if alert is None:
        raise NotFound(NOT_FOUND.get(request_language()))
    return alert


def _may_act(session: Session, principal: Principal, alert: Alert) -> None:
    if principal.has_role(*ANY_ALERT):
        return
    mine = {org for role, org in principal.organizations if role == Role.OFFICIAL.value}
    theirs = set(
        session.scalars(
            select(RoleAssignment.organization_id).where(
                RoleAssignment.user_id == alert.created_by,
                RoleAssignment.tenant_id == alert.tenant_id,
            )
        )
    )
    if alert.created_by != principal.user_id and not mine & theirs:
        language = request_language()
        raise Forbidden(NOT_YOURS.get(language), {"alert": [NOT_YOURS.en]})


def _acting(session: Session, alert_id: int) -> tuple[Principal, Alert]:
    principal = require_principal(*ROLES)
    alert = _alert(session, alert_id)
    _may_act(session, principal, alert)
    return principal, alert


def _view(session: Session, alert: Alert, detail: bool = False) -> dict[str, Any]:
    view: dict[str, Any] = {
        name: getattr(alert, name)
        for name in (
            "id",
            "version",
            "identifier",
            "sender",
            "state",
            "origin",
            "msg_type",
            "references",
            "thread_id",
            "sent",
            "created_by",
            "created_at",
            "recipients",
            "fanout_finished_at",
        )
    }
    view["alert"] = compose.as_input(alert)
    view["targets"] = session.scalar(
        select(func.count()).select_from(AlertTarget).where(AlertTarget.alert_id == alert.id)
    )
    if detail:
        chain = (
            session.scalars(
                select(Alert).where(Alert.thread_id == alert.thread_id).order_by(Alert.id)
            ).all()
            if alert.thread_id is not None
            else [alert]
        )
        view["thread"] = [
            {
                "id": a.id,
                "identifier": a.identifier,
                "msg_type": a.msg_type,
                "state": a.state,
                "sent": a.sent,
            }
            for a in chain
        ]
        view["deliveries"] = summary(session, alert_id=alert.id)
    return view


def _record_draft(session: Session, principal: Principal, action: str, alert: Alert) -> None:
    audit(
        session,
        action,
        tenant_id=alert.tenant_id,
        actor_id=principal.user_id,
        actor_label=principal.username,
        target=f"alert:{alert.id}",
        after={"identifier": alert.identifier, "event": alert.event},
    )


# -- views --------------------------------------------------------------------------------------


@blp.route("/alerts", methods=["POST"])
@requires_role(*ROLES)
@blp.response(201, ComposedAlertOut)
@blp.doc(summary="Compose a draft alert", security=SECURITY, requestBody=_body_doc(compose.AlertIn))
def create() -> dict[str, Any]:
    principal = require_principal(*ROLES)
    session = current_session()
    body = compose.load(request.get_json(silent=True))
    alert = compose.new_draft(session, current_tenant().id, body, created_by=principal.user_id)
    _record_draft(session, principal, "alert.drafted", alert)
    return _view(session, alert, detail=True)


@blp.route("/alerts")
@requires_role(*ROLES)
@blp.arguments(ListQuery, location="query")
@blp.response(200, ComposedAlertPage)
@blp.doc(summary="The tenant's alerts, newest first", security=SECURITY)
def listing(query: dict[str, Any]) -> dict[str, Any]:
    session = current_session()
    condition = [Alert.tenant_id == current_tenant().id]
    if query.get("state"):
        condition.append(Alert.state == query["state"])
    if query.get("status"):
        condition.append(Alert.status == query["status"])
    order = (Alert.created_at.desc(), Alert.id.desc())
    page, rows = paged(session, Alert, condition, order, query)
    return {**page, "items": [_view(session, a) for a in rows]}


@blp.route("/alerts/<int:alert_id>")
@requires_role(*ROLES)
@blp.response(200, ComposedAlertOut)
@blp.doc(summary="One alert with its areas, targets, thread and deliveries", security=SECURITY)
def detail(alert_id: int) -> dict[str, Any]:
    session = current_session()
    return _view(session, _alert(session, alert_id), detail=True)


@blp.route("/alerts/<int:alert_id>", methods=["PATCH"])
@requires_role(*ROLES)
@blp.response(200, ComposedAlertOut)
@blp.doc(summary="Edit a draft", security=SECURITY, requestBody=_body_doc(AlertPatchIn))
def edit(alert_id: int) -> dict[str, Any]:
    session = current_session()
    principal, alert = _acting(session, alert_id)
    body = _patch_body()
    publishing.check_version(alert, body.pop("version", None))
    compose.edit_draft(session, alert, body)
    _record_draft(session, principal, "alert.edited", alert)
    return _view(session, alert, detail=True)


@blp.route("/alerts/<int:alert_id>", methods=["DELETE"])
@requires_role(*ROLES)
@blp.response(204)
@blp.doc(summary="Delete a draft", security=SECURITY)
def remove(alert_id: int) -> None:
    session = current_session()
    principal, alert = _acting(session, alert_id)
    if alert.state != "draft":
        raise Conflict(NOT_DRAFT.get(request_language()), {"state": [NOT_DRAFT.en]})
    _record_draft(session, principal, "alert.deleted", alert)
    session.delete(alert)


@blp.route("/alerts/<int:alert_id>/publish", methods=["POST"])
@requires_role(*ROLES)
@blp.arguments(VersionIn)
@blp.response(200, ComposedAlertOut)
@blp.doc(summary="Publish a draft: targets its units and starts the fan-out", security=SECURITY)
def publish(body: dict[str, Any], alert_id: int) -> dict[str, Any]:
    session = current_session()
    principal, alert = _acting(session, alert_id)
    publishing.publish(session, alert, principal.user_id, expected_version=body["version"])
    return _view(session, alert, detail=True)


@blp.route("/alerts/<int:alert_id>/update", methods=["POST"])
@requires_role(*ROLES)
@blp.response(201, ComposedAlertOut)
@blp.doc(
    summary="Send an Update of a published alert with the changed fields; answers the new one",
    security=SECURITY,
    requestBody=_body_doc(AlertPatchIn),
)
def send_update(alert_id: int) -> dict[str, Any]:
    session = current_session()
    principal, alert = _acting(session, alert_id)
    body = _patch_body()
    version = body.pop("version", None)
    successor = publishing.update(session, alert, body, principal.user_id, expected_version=version)
    return _view(session, successor, detail=True)


@blp.route("/alerts/<int:alert_id>/cancel", methods=["POST"])
@requires_role(*ROLES)
@blp.arguments(CancelIn)
@blp.response(201, ComposedAlertOut)
@blp.doc(summary="Cancel a published alert; answers the Cancel message", security=SECURITY)
def send_cancel(body: dict[str, Any], alert_id: int) -> dict[str, Any]:
    session = current_session()
    principal, alert = _acting(session, alert_id)
    successor = publishing.cancel(
        session, alert, principal.user_id, body["note"], expected_version=body["version"]
    )
    return _view(session, successor, detail=True)
