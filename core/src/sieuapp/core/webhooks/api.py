"""Webhook endpoints over HTTP: partner staff manage their own organization's endpoints, the
province admin every endpoint of the tenant. Someone else's endpoint answers 404, as if it
did not exist."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sieuapp.sdk import LocalizedText, Role
from sieuapp.sdk.errors import Conflict, Forbidden, InvalidInput, NotFound
from sqlalchemy import select

from ..db import current_session
from ..db.paging import paged
from ..errors import generic_message
from ..identity.principal import Principal, require_principal, requires_role
from ..tenancy.context import current_tenant
from ..tenancy.models import Organization
from ..web.i18n import request_language
from . import endpoints as ops
from .events import event_types
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/api/v1/webhooks",
    description="Signed webhooks (Standard Webhooks) to partner back-ends",
)

PARTNER = Role.PARTNER_STAFF.value
ADMIN = Role.PROVINCE_ADMIN.value
SECURITY = [{"bearer": []}]
NO_ENDPOINT = LocalizedText("Không có điểm nhận webhook này.", "No such webhook endpoint.")
NO_DELIVERY = LocalizedText("Không có lần gửi này.", "No such delivery.")
NO_ORGANIZATION = LocalizedText(
    "Vai trò đối tác của bạn chưa gắn với tổ chức nào.",
    "Your partner role is not tied to an organization.",
)
DISABLED = LocalizedText(
    "Điểm nhận đang tắt; hãy bật lại trước khi gửi lại.",
    "The endpoint is disabled; enable it before redelivering.",
)
#: The answers that hold a secret must not be kept by any cache on the way.
NO_STORE = {"Cache-Control": "no-store"}
STATUSES = ("pending", "delivered", "failed", "cancelled")


# -- schemas ---------------------------------------------------------------------------------


class WebhookEndpointIn(Schema):
    organization = fields.String(
        load_default=None,
        metadata={
            "description": "organization code; the province admin always gives it, partner "
            "staff only when they act for several organizations"
        },
    )
    url = fields.String(required=True, validate=validate.Length(min=1))
    event_types = fields.List(fields.String(), required=True)
    description = fields.String(load_default="", validate=validate.Length(max=500))
    enabled = fields.Boolean(load_default=True)


class WebhookEndpointChange(Schema):
    url = fields.String(validate=validate.Length(min=1))
    event_types = fields.List(fields.String())
    description = fields.String(validate=validate.Length(max=500))
    enabled = fields.Boolean()


class WebhookEndpointOut(Schema):
    id = fields.String()
    organization = fields.String(metadata={"description": "organization code"})
    url = fields.String()
    description = fields.String()
    event_types = fields.List(fields.String())
    enabled = fields.Boolean()
    disabled_reason = fields.String(
        allow_none=True, metadata={"description": "why the platform disabled it (410 Gone)"}
    )
    previous_secret_expires_at = fields.DateTime(
        allow_none=True,
        metadata={"description": "until when the secret before the last rotation still signs"},
    )
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class WebhookEndpointCreated(WebhookEndpointOut):
    secret = fields.String(
        metadata={"description": "whsec_...: in this answer only, never shown again"}
    )


class WebhookEndpointQuery(Schema):
    organization = fields.String(metadata={"description": "organization code"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class WebhookEndpointPage(Schema):
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    endpoints = fields.List(fields.Nested(WebhookEndpointOut))


class WebhookSecretOut(Schema):
    secret = fields.String(metadata={"description": "the new whsec_ secret, shown this once"})
    previous_secret_expires_at = fields.DateTime(
        allow_none=True, metadata={"description": "the old secret also signs until then"}
    )


class WebhookEventTypeOut(Schema):
    type = fields.String()
    description = fields.String()


class WebhookEventTypeList(Schema):
    event_types = fields.List(fields.Nested(WebhookEventTypeOut))


class WebhookDeliveryQuery(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class WebhookDeliveryOut(Schema):
    id = fields.String()
    event_id = fields.String(metadata={"description": "the webhook-id header of every attempt"})
    event_type = fields.String()
    status = fields.String(metadata={"description": ", ".join(STATUSES)})
    attempts = fields.Integer()
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    delivered_at = fields.DateTime(allow_none=True)


class WebhookAttemptOut(Schema):
    attempted_at = fields.DateTime()
    status_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    duration_ms = fields.Integer()


class WebhookDeliveryDetail(WebhookDeliveryOut):
    payload = fields.Raw(metadata={"description": "the body sent, as JSON"})
    attempt_log = fields.List(fields.Nested(WebhookAttemptOut))


class WebhookDeliveryPage(Schema):
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    deliveries = fields.List(fields.Nested(WebhookDeliveryOut))


# -- who may see what ------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    principal: Principal
    #: The organizations the caller manages; None for every one of the tenant (province admin).
    organizations: frozenset[int] | None

    def sees(self, organization_id: int) -> bool:
        return self.organizations is None or organization_id in self.organizations

    @property
    def actor(self) -> ops.Actor:
        return ops.Actor(self.principal.user_id, self.principal.username)


def _scope() -> Scope:
    principal = require_principal(PARTNER, ADMIN)
    if principal.has_role(ADMIN):
        return Scope(principal, None)
    held = {o for role, o in principal.organizations if role == PARTNER}
    found = frozenset(
        current_session().scalars(
            select(Organization.id).where(
                Organization.id.in_(held),
                Organization.tenant_id == principal.tenant_id,
                Organization.active.is_(True),
            )
        )
    )
    if not found:
        raise Forbidden(NO_ORGANIZATION.get(request_language()))
    return Scope(principal, found)


def _organization(scope: Scope, code: str | None) -> tuple[int | None, list[str]]:
    """The organization an endpoint is registered for, from its code in the body, or what is
    wrong with the code."""
    if code is None:
        if scope.organizations is not None and len(scope.organizations) == 1:
            return next(iter(scope.organizations)), []
        return None, ["Give the code of the organization the endpoint is for."]
    found = current_session().scalar(
        select(Organization.id).where(
            Organization.tenant_id == current_tenant().id,
            Organization.code == code,
            Organization.active.is_(True),
        )
    )
    # One answer for an organization that does not exist and one that is not the caller's.
    if found is None or not scope.sees(found):
        return None, [f"You manage no organization {code!r}."]
    return found, []


def _endpoint(scope: Scope, endpoint_id: str) -> WebhookEndpoint:
    endpoint = current_session().scalar(
        select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id,
            WebhookEndpoint.tenant_id == current_tenant().id,
        )
    )
    if endpoint is None or not scope.sees(endpoint.organization_id):
        raise NotFound(NO_ENDPOINT.get(request_language()), {"endpoint_id": [NO_ENDPOINT.en]})
    return endpoint


def _delivery(endpoint: WebhookEndpoint, delivery_id: str) -> tuple[WebhookDelivery, WebhookEvent]:
    row = (
        current_session()
        .execute(
            select(WebhookDelivery, WebhookEvent)
            .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint.id)
        )
        .first()
    )
    if row is None:
        raise NotFound(NO_DELIVERY.get(request_language()), {"delivery_id": [NO_DELIVERY.en]})
    return row[0], row[1]


def _checked(values: dict[str, Any], **more: list[str]) -> None:
    problems = {**{k: v for k, v in more.items() if v}, **ops.input_problems(values)}
    if problems:
        raise InvalidInput(generic_message(422, "Some fields are invalid."), problems)


# -- views -----------------------------------------------------------------------------------


def _codes(organization_ids: Iterable[int]) -> dict[int, str]:
    ids = set(organization_ids)
    if not ids:
        return {}
    rows = current_session().execute(
        select(Organization.id, Organization.code).where(Organization.id.in_(ids))
    )
    return {organization_id: code for organization_id, code in rows}


def _view(endpoint: WebhookEndpoint, codes: dict[int, str] | None = None) -> dict[str, Any]:
    codes = codes if codes is not None else _codes([endpoint.organization_id])
    return {
        "id": endpoint.id,
        "organization": codes.get(endpoint.organization_id),
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": list(endpoint.event_types or ()),
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "previous_secret_expires_at": endpoint.previous_secret_expires_at
        if endpoint.previous_secret
        else None,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
    }


def _delivery_view(delivery: WebhookDelivery, event: WebhookEvent) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "event_id": event.message_id,
        "event_type": event.event_type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "next_attempt_at": delivery.next_attempt_at if delivery.status == "pending" else None,
        "created_at": delivery.created_at,
        "delivered_at": delivery.delivered_at,
    }


# -- routes ----------------------------------------------------------------------------------


@blp.route("/event-types")
@blp.response(200, WebhookEventTypeList)
@blp.doc(summary="The event types an endpoint may subscribe to", security=SECURITY)
def list_event_types() -> tuple[dict[str, Any], int, dict[str, str]]:
    _scope()
    language = request_language()
    found = [
        {"type": name, "description": description.get(language)}
        for name, description in event_types().items()
    ]
    return {"event_types": found}, 200, {"Content-Language": language}


@blp.route("/endpoints")
@requires_role(PARTNER, ADMIN)
@blp.arguments(WebhookEndpointQuery, location="query")
@blp.response(200, WebhookEndpointPage)
@blp.doc(summary="The endpoints you manage (never their secrets)", security=SECURITY)
def list_endpoints(query: dict[str, Any]) -> dict[str, Any]:
    scope = _scope()
    condition: list[Any] = [WebhookEndpoint.tenant_id == current_tenant().id]
    if scope.organizations is not None:
        condition.append(WebhookEndpoint.organization_id.in_(scope.organizations))
    if query.get("organization"):
        code = query["organization"]
        condition.append(
            WebhookEndpoint.organization_id.in_(
                select(Organization.id).where(
                    Organization.tenant_id == current_tenant().id, Organization.code == code
                )
            )
        )
    order = (WebhookEndpoint.created_at, WebhookEndpoint.id)
    page, rows = paged(current_session(), WebhookEndpoint, condition, order, query)
    codes = _codes(r.organization_id for r in rows)
    return {**page, "endpoints": [_view(r, codes) for r in rows]}


@blp.route("/endpoints", methods=["POST"])
@requires_role(PARTNER, ADMIN)
@blp.arguments(WebhookEndpointIn)
@blp.response(201, WebhookEndpointCreated)
@blp.doc(
    summary="Register an endpoint",
    description="The answer holds the signing secret (`whsec_...`): shown this once, never again.",
    security=SECURITY,
)
def create_endpoint(body: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    scope = _scope()
    organization_id, wrong = _organization(scope, body["organization"])
    _checked(body, organization=wrong)
    assert organization_id is not None  # _checked refused the request otherwise
    endpoint, secret = ops.create_endpoint(
        current_session(),
        current_tenant().id,
        organization_id,
        url=body["url"],
        event_types=body["event_types"],
        description=body["description"],
        enabled=body["enabled"],
        actor=scope.actor,
    )
    return {**_view(endpoint), "secret": secret}, 201, NO_STORE


@blp.route("/endpoints/<endpoint_id>")
@blp.response(200, WebhookEndpointOut)
@blp.doc(summary="One endpoint (never its secret)", security=SECURITY)
def get_endpoint(endpoint_id: str) -> dict[str, Any]:
    return _view(_endpoint(_scope(), endpoint_id))


@blp.route("/endpoints/<endpoint_id>", methods=["PATCH"])
@requires_role(PARTNER, ADMIN)
@blp.arguments(WebhookEndpointChange)
@blp.response(200, WebhookEndpointOut)
@blp.doc(
    summary="Change an endpoint's URL, event types, description or enabled state",
    description="Enabling an endpoint the platform disabled (410 Gone) clears the reason.",
    security=SECURITY,
)
def change_endpoint(body: dict[str, Any], endpoint_id: str) -> dict[str, Any]:
    scope = _scope()
    endpoint = _endpoint(scope, endpoint_id)
    _checked(body)
    return _view(ops.update_endpoint(current_session(), endpoint, body, scope.actor))


@blp.route("/endpoints/<endpoint_id>", methods=["DELETE"])
@blp.response(204)
@blp.doc(summary="Remove an endpoint, with its deliveries", security=SECURITY)
def delete_endpoint(endpoint_id: str) -> None:
    scope = _scope()
    ops.delete_endpoint(current_session(), _endpoint(scope, endpoint_id), scope.actor)


@blp.route("/endpoints/<endpoint_id>/secret/rotate", methods=["POST"])
@blp.response(200, WebhookSecretOut)
@blp.doc(
    summary="Replace the endpoint's signing secret",
    description="The answer holds the new secret, shown this once. The old secret keeps "
    "signing beside it (two signatures in `webhook-signature`) until "
    "`previous_secret_expires_at` (SIEUAPP_WEBHOOK_SECRET_GRACE).",
    security=SECURITY,
)
def rotate_secret(endpoint_id: str) -> tuple[dict[str, Any], int, dict[str, str]]:
    scope = _scope()
    endpoint = _endpoint(scope, endpoint_id)
    secret = ops.rotate_secret(current_session(), endpoint, scope.actor)
    answer = {"secret": secret, "previous_secret_expires_at": endpoint.previous_secret_expires_at}
    return answer, 200, NO_STORE


@blp.route("/endpoints/<endpoint_id>/deliveries")
@requires_role(PARTNER, ADMIN)
@blp.arguments(WebhookDeliveryQuery, location="query")
@blp.response(200, WebhookDeliveryPage)
@blp.doc(summary="The endpoint's deliveries, newest first", security=SECURITY)
def list_deliveries(query: dict[str, Any], endpoint_id: str) -> dict[str, Any]:
    endpoint = _endpoint(_scope(), endpoint_id)
    session = current_session()
    condition: list[Any] = [WebhookDelivery.endpoint_id == endpoint.id]
    if query.get("status"):
        condition.append(WebhookDelivery.status == query["status"])
    order = (WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    page, rows = paged(session, WebhookDelivery, condition, order, query)
    events = {
        e.id: e
        for e in session.scalars(
            select(WebhookEvent).where(WebhookEvent.id.in_({r.event_id for r in rows}))
        )
    }
    return {**page, "deliveries": [_delivery_view(r, events[r.event_id]) for r in rows]}


@blp.route("/endpoints/<endpoint_id>/deliveries/<delivery_id>")
@blp.response(200, WebhookDeliveryDetail)
@blp.doc(summary="One delivery: the payload sent and every attempt", security=SECURITY)
def get_delivery(endpoint_id: str, delivery_id: str) -> dict[str, Any]:
    endpoint = _endpoint(_scope(), endpoint_id)
    delivery, event = _delivery(endpoint, delivery_id)
    attempts = current_session().scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery.id)
        .order_by(WebhookAttempt.attempted_at, WebhookAttempt.id)
    )
    return {
        **_delivery_view(delivery, event),
        "payload": json.loads(event.body),
        "attempt_log": [
            {
                "attempted_at": a.attempted_at,
                "status_code": a.status_code,
                "error": a.error,
                "duration_ms": a.duration_ms,
            }
            for a in attempts
        ],
    }


@blp.route("/endpoints/<endpoint_id>/deliveries/<delivery_id>/redeliver", methods=["POST"])
@blp.response(202, WebhookDeliveryOut)
@blp.alt_response(409, description="The endpoint is disabled")
@blp.doc(
    summary="Send a delivery again now, with the same webhook-id",
    description="The retry schedule goes on from where it was; a delivery that had used it up "
    "gets this one attempt.",
    security=SECURITY,
)
def redeliver(endpoint_id: str, delivery_id: str) -> dict[str, Any]:
    scope = _scope()
    endpoint = _endpoint(scope, endpoint_id)
    delivery, event = _delivery(endpoint, delivery_id)
    if not endpoint.enabled:
        raise Conflict(DISABLED.get(request_language()), {"_request": [DISABLED.en]})
    ops.redeliver(current_session(), endpoint, delivery, scope.actor)
    return _delivery_view(delivery, event)
