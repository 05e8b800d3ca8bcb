"""A payment as the API shows it, in the caller's language."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields
from sqlalchemy import select
from sqlalchemy.orm import Session

from .intents import payee_code
from .models import Payment, PaymentEvent, Refund
from .money import money


class PaymentRefundOut(Schema):
    id = fields.String()
    amount = fields.Integer()
    reason = fields.String()
    status = fields.String(metadata={"description": "pending, succeeded or failed"})
    provider_ref = fields.String(allow_none=True)
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)


class PaymentEventOut(Schema):
    kind = fields.String()
    provider = fields.String(allow_none=True)
    at = fields.DateTime()


class PaymentOut(Schema):
    id = fields.String()
    amount = fields.Integer()
    amount_text = fields.String(metadata={"description": "'150.000 ₫'"})
    currency = fields.String()
    status = fields.String()
    status_reason = fields.String(allow_none=True)
    purpose = fields.String(metadata={"description": "in the caller's language"})
    payee = fields.Dict(metadata={"description": "{code, name}"})
    payer_id = fields.String(allow_none=True)
    plugin = fields.String(allow_none=True)
    provider = fields.String(allow_none=True)
    provider_ref = fields.String(allow_none=True)
    fee = fields.Integer(metadata={"description": "what the provider kept (the platform's cost)"})
    refunded = fields.Integer()
    refundable = fields.Integer()
    metadata = fields.Dict()
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    paid_at = fields.DateTime(allow_none=True)
    receipt = fields.String(allow_none=True, metadata={"description": "the receipt's URL"})
    refunds = fields.List(fields.Nested(PaymentRefundOut))
    events = fields.List(fields.Nested(PaymentEventOut))


def payment_view(
    session: Session, payment: Payment, language: str, *, detail: bool = False
) -> dict[str, Any]:
    from ..tenancy.models import Organization

    organization = session.get(Organization, payment.payee_id)
    english = language == "en"
    view: dict[str, Any] = {
        "id": payment.id,
        "amount": payment.amount,
        "amount_text": money(payment.amount),
        "currency": payment.currency,
        "status": payment.status,
        "status_reason": payment.status_reason,
        "purpose": payment.purpose_en if english else payment.purpose,
        "payee": {
            "code": payee_code(session, payment),
            "name": (organization.name_en or organization.name)  # type: ignore[union-attr]
            if english
            else organization.name,  # type: ignore[union-attr]
        },
        "payer_id": payment.payer_id,
        "plugin": payment.plugin_id,
        "provider": payment.provider,
        "provider_ref": payment.provider_ref,
        "fee": payment.fee,
        "refunded": payment.refunded,
        "refundable": payment.amount - payment.refunded if payment.status == "succeeded" else 0,
        "metadata": dict(payment.metadata_ or {}),
        "created_at": payment.created_at,
        "expires_at": payment.expires_at,
        "paid_at": payment.paid_at,
        "receipt": f"/api/v1/payments/{payment.id}/receipt"
        if payment.status == "succeeded"
        else None,
    }
    if detail:
        view["refunds"] = [
            {
                "id": r.id,
                "amount": r.amount,
                "reason": r.reason,
                "status": r.status,
                "provider_ref": r.provider_ref,
                "created_at": r.created_at,
                "finished_at": r.finished_at,
            }
            for r in session.scalars(
                select(Refund).where(Refund.payment_id == payment.id).order_by(Refund.created_at)
            )
        ]
        view["events"] = [
            {"kind": e.kind, "provider": e.provider, "at": e.created_at}
            for e in session.scalars(
                select(PaymentEvent)
                .where(PaymentEvent.payment_id == payment.id)
                .order_by(PaymentEvent.id)
            )
        ]
    return view
