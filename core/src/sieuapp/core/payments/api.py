"""The payments API: payers see and pay what they owe; a payee's staff ask for payments, take
them at the counter and refund them. Every POST takes an ``Idempotency-Key``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Response, jsonify, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sieuapp.sdk import text
from sieuapp.sdk.errors import Conflict, Forbidden, InvalidInput
from sqlalchemy import select

from ..db import current_session
from ..db.paging import paged
from ..identity.principal import Principal, require_principal, requires_role
from ..tenancy.context import current_tenant
from ..tenancy.models import Organization
from ..web.i18n import request_language
from . import access, intents, providers, refunds, settlement
from .idempotency import HEADER, once
from .models import Payment
from .views import PaymentOut, PaymentRefundOut, payment_view

blp = Blueprint("payments", __name__, url_prefix="/api/v1", description="Payments")
SECURITY = [{"bearer": []}]
KEY_DOC = {
    "in": "header",
    "name": HEADER,
    "schema": {"type": "string", "maxLength": 255},
    "description": "Sent again with the same body: the first answer, nothing done twice.",
}


class PurposeIn(Schema):
    vi = fields.String(required=True, validate=validate.Length(min=1, max=200))
    en = fields.String(required=True, validate=validate.Length(min=1, max=200))


class PaymentIn(Schema):
    amount = fields.Integer(required=True, strict=True, metadata={"description": "whole đồng"})
    purpose = fields.Nested(PurposeIn, required=True)
    payee = fields.String(required=True, metadata={"description": "organization code"})
    payer_id = fields.String(
        load_default=None, allow_none=True, metadata={"description": "None: a walk-in payer"}
    )
    metadata = fields.Dict(load_default=dict)
    expires_in = fields.Integer(load_default=intents.DEFAULT_EXPIRY, strict=True)


class CheckoutIn(Schema):
    provider = fields.String(required=True)
    return_url = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "where the payer comes back: this site's own page"},
    )


class CheckoutOut(Schema):
    payment = fields.Nested(PaymentOut)
    redirect_url = fields.String(allow_none=True)
    qr_payload = fields.String(allow_none=True)
    qr_image = fields.String(allow_none=True)
    instructions = fields.String(allow_none=True)


class CounterPaymentIn(Schema):
    amount = fields.Integer(required=True, strict=True)
    receipt_number = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=60)
    )


class RefundIn(Schema):
    amount = fields.Integer(load_default=None, allow_none=True, strict=True)
    reason = fields.String(required=True)


class PaymentProviderOut(Schema):
    name = fields.String()
    label = fields.String()
    kind = fields.String()
    refunds = fields.Boolean()


class PaymentQuery(Schema):
    status = fields.String(validate=validate.OneOf(intents.OPEN + intents.FINAL))
    payee = fields.String()
    provider = fields.String()
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class PaymentPage(Schema):
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    payments = fields.List(fields.Nested(PaymentOut))


def _answer(status: int, body: Any, replayed: bool) -> Response:
    response = jsonify(body)
    response.status_code = status
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _once(principal: Principal, operation: str, body: Any, work: Callable) -> Response:
    """Run ``work`` once per the request's Idempotency-Key, scoped to the caller and tenant."""
    status, answer, replayed = once(
        current_session(),
        principal.tenant_id,
        f"user:{principal.user_id}",
        request.headers.get(HEADER),
        operation,
        body,
        work,
    )
    return _answer(status, answer, replayed)


def _dump(payment: Payment, detail: bool = True) -> dict[str, Any]:
    view = payment_view(current_session(), payment, request_language(), detail=detail)
    return PaymentOut().dump(view)


# -- what a payer does ------------------------------------------------------------------------


@blp.route("/payments/providers")
@blp.response(200, PaymentProviderOut(many=True))
@blp.doc(summary="The ways to pay offered here")
def list_providers() -> list[dict[str, Any]]:
    language = request_language()
    return [
        {
            "name": name,
            "label": e.provider.label.get(language),
            "kind": e.provider.kind,
            "refunds": e.provider.refunds,
        }
        for name, e in sorted(providers.available().items())
    ]


@blp.route("/me/payments")
@blp.arguments(PaymentQuery, location="query")
@blp.response(200, PaymentPage)
@blp.doc(summary="Your payments, newest first", security=SECURITY)
def list_my_payments(query: dict[str, Any]) -> dict[str, Any]:
    principal = require_principal()
    condition = [Payment.tenant_id == principal.tenant_id, Payment.payer_id == principal.user_id]
    if "status" in query:
        condition.append(Payment.status == query["status"])
    session = current_session()
    page, rows = paged(
        session, Payment, condition, (Payment.created_at.desc(), Payment.id.desc()), query
    )
    language = request_language()
    return {**page, "payments": [payment_view(session, p, language) for p in rows]}


@blp.route("/payments/<payment_id>")
@blp.response(200, PaymentOut)
@blp.doc(summary="One payment, with its refunds and history", security=SECURITY)
def get_payment(payment_id: str) -> dict[str, Any]:
    principal = require_principal()
    payment = access.visible(current_session(), principal, payment_id)
    return payment_view(current_session(), payment, request_language(), detail=True)


def _return_url(value: str | None, payment: Payment) -> str:
    """The payer's way back, on this site only: a gateway must never send them elsewhere."""
    own = request.host_url.rstrip("/")
    if value is None:
        return f"{own}/payments/{payment.id}/done"
    parts = urlsplit(value)
    if value.startswith("/") and not value.startswith("//"):
        return own + value
    if parts.scheme in ("http", "https") and parts.netloc == request.host:
        return value
    raise InvalidInput("return_url", {"return_url": ["Must be a page of this site."]})


@blp.route("/payments/<payment_id>/checkout", methods=["POST"])
@blp.arguments(CheckoutIn)
@blp.response(200, CheckoutOut)
@blp.doc(summary="Pay with one of the providers", security=SECURITY, parameters=[KEY_DOC])
def checkout(body: dict[str, Any], payment_id: str) -> Response:
    principal = require_principal()
    session = current_session()
    payment = access.visible(session, principal, payment_id)
    if payment.payer_id != principal.user_id:
        raise Forbidden("Only the payer can pay this.")

    def work() -> tuple[int, Any]:
        language = request_language()
        locked = intents.locked(session, principal.tenant_id, payment.id)
        started = providers.start(
            session,
            locked,  # type: ignore[arg-type]
            body["provider"],
            _return_url(body["return_url"], payment),
            request.remote_addr or "127.0.0.1",
            language,
        )
        answer = {
            "payment": payment_view(session, payment, language, detail=True),
            "redirect_url": started.redirect_url,
            "qr_payload": started.qr_payload,
            "qr_image": started.qr_image_url,
            "instructions": started.instructions.get(language) if started.instructions else None,
        }
        return 200, CheckoutOut().dump(answer)

    return _once(principal, f"payments.checkout:{payment.id}", body, work)


@blp.route("/payments/<payment_id>/cancel", methods=["POST"])
@blp.response(200, PaymentOut)
@blp.doc(summary="Cancel an unpaid payment", security=SECURITY, parameters=[KEY_DOC])
def cancel(payment_id: str) -> Response:
    principal = require_principal()
    session = current_session()
    payment = access.visible(session, principal, payment_id)

    def work() -> tuple[int, Any]:
        locked = intents.locked(session, principal.tenant_id, payment.id)
        reason = "canceled_by_payer" if payment.payer_id == principal.user_id else "canceled"
        intents.cancel(session, locked, reason, principal.user_id)  # type: ignore[arg-type]
        return 200, _dump(payment)

    return _once(principal, f"payments.cancel:{payment.id}", {}, work)


# -- what a payee's staff do ------------------------------------------------------------------


def _payee_managed(principal: Principal, code: str) -> None:
    session = current_session()
    found = session.scalar(
        select(Organization).where(
            Organization.tenant_id == principal.tenant_id, Organization.code == code
        )
    )
    if found is None:
        raise InvalidInput("payee", {"payee": ["No such organization in this province."]})
    if not access.is_admin(principal) and found.id not in access.staff_orgs(principal):
        raise Forbidden("You can ask for payments to your own organization only.")


@blp.route("/payments", methods=["POST"])
@requires_role(*access.STAFF_ROLES, access.ADMIN)
@blp.arguments(PaymentIn)
@blp.response(201, PaymentOut)
@blp.doc(
    summary="Ask someone to pay your organization (a fee, a bill)",
    security=SECURITY,
    parameters=[KEY_DOC],
)
def create_payment(body: dict[str, Any]) -> Response:
    principal = require_principal(*access.STAFF_ROLES, access.ADMIN)
    _payee_managed(principal, body["payee"])

    def work() -> tuple[int, Any]:
        payment = intents.create(
            current_session(),
            principal.tenant_id,
            amount=body["amount"],
            purpose=text(body["purpose"]["vi"], body["purpose"]["en"]),
            payee=body["payee"],
            payer_id=body["payer_id"],
            plugin_id=None,
            metadata=body["metadata"],
            expires_in=body["expires_in"],
            created_by=principal.user_id,
        )
        return 201, _dump(payment)

    return _once(principal, "payments.create", body, work)


@blp.route("/payments")
@requires_role(*access.STAFF_ROLES, access.ADMIN)
@blp.arguments(PaymentQuery, location="query")
@blp.response(200, PaymentPage)
@blp.doc(summary="Payments to your organizations (all of them for the province)")
def list_payments(query: dict[str, Any]) -> dict[str, Any]:
    principal = require_principal(*access.STAFF_ROLES, access.ADMIN)
    session = current_session()
    condition: list[Any] = [Payment.tenant_id == principal.tenant_id]
    if not access.is_admin(principal):
        condition.append(Payment.payee_id.in_(access.staff_orgs(principal) or {-1}))
    if "status" in query:
        condition.append(Payment.status == query["status"])
    if "provider" in query:
        condition.append(Payment.provider == query["provider"])
    if "payee" in query:
        condition.append(
            Payment.payee_id.in_(
                select(Organization.id).where(
                    Organization.tenant_id == principal.tenant_id,
                    Organization.code == query["payee"],
                )
            )
        )
    page, rows = paged(
        session, Payment, condition, (Payment.created_at.desc(), Payment.id.desc()), query
    )
    language = request_language()
    return {**page, "payments": [payment_view(session, p, language) for p in rows]}


@blp.route("/payments/<payment_id>/counter", methods=["POST"])
@requires_role(*access.STAFF_ROLES, access.ADMIN)
@blp.arguments(CounterPaymentIn)
@blp.response(200, PaymentOut)
@blp.doc(summary="Record a payment taken at the counter", security=SECURITY, parameters=[KEY_DOC])
def record_counter(body: dict[str, Any], payment_id: str) -> Response:
    principal = require_principal(*access.STAFF_ROLES, access.ADMIN)
    session = current_session()
    payment = access.managed(session, principal, payment_id)
    if body["amount"] != payment.amount:
        raise InvalidInput("amount", {"amount": [f"The payment is for {payment.amount} đồng."]})

    def work() -> tuple[int, Any]:
        locked = intents.locked(session, principal.tenant_id, payment.id)
        if locked is None or locked.status not in intents.OPEN:
            status = locked.status if locked else "gone"
            raise Conflict(f"The payment is {status}.", {"status": [status]})
        providers.attempt(session, locked, providers.ProviderEntry(None, providers.COUNTER))
        ref = body["receipt_number"] or f"counter:{principal.user_id}:{payment.id}"
        settlement.settle(
            session,
            principal.tenant_id,
            payment.id,
            plugin_id=None,
            amount=body["amount"],
            succeeded=True,
            provider_ref=ref,
            detail=f"taken by {principal.username}",
        )
        return 200, _dump(payment)

    return _once(principal, f"payments.counter:{payment.id}", body, work)


@blp.route("/payments/<payment_id>/refunds", methods=["POST"])
@requires_role(*access.STAFF_ROLES, access.ADMIN)
@blp.arguments(RefundIn)
@blp.response(202, PaymentRefundOut)
@blp.doc(
    summary="Refund a paid payment, wholly or in part",
    description="202: the provider is asked after this commits; the refund's status follows.",
    security=SECURITY,
    parameters=[KEY_DOC],
)
def refund(body: dict[str, Any], payment_id: str) -> Response:
    principal = require_principal(*access.STAFF_ROLES, access.ADMIN)
    session = current_session()
    payment = access.managed(session, principal, payment_id)

    def work() -> tuple[int, Any]:
        entry = providers.available().get(payment.provider or "")
        if payment.status == "succeeded" and (entry is None or not entry.provider.refunds):
            raise Conflict(
                f"{payment.provider} cannot return money here now; refund it at a counter.",
                {"provider": [str(payment.provider)]},
            )
        made = refunds.request(
            session,
            current_tenant().id,
            payment.id,
            body["amount"],
            body["reason"],
            actor_id=principal.user_id,
        )
        return 202, PaymentRefundOut().dump(
            {
                "id": made.id,
                "amount": made.amount,
                "reason": made.reason,
                "status": made.status,
                "provider_ref": made.provider_ref,
                "created_at": made.created_at,
                "finished_at": made.finished_at,
            }
        )

    return _once(principal, f"payments.refund:{payment.id}", body, work)
