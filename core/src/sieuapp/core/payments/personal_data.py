"""What the payments hold about one person, for their data export; and why erasure keeps it.

Payments, refunds and the ledger are accounting records: erasure keeps them (they stop naming the
person once the account is anonymized) for as long as the accounting law requires."""

from __future__ import annotations

from typing import Any

from sieuapp.sdk import LocalizedText
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..tenancy.models import Organization, Tenant
from .models import Payment, Refund

KEPT: dict[str, tuple[LocalizedText, LocalizedText]] = {
    "payments": (
        LocalizedText(
            "Các khoản thanh toán và hoàn tiền của bạn (số tiền, nội dung, đơn vị thụ hưởng, mã "
            "giao dịch) và bút toán sổ cái của chúng, không còn gắn với tên bạn",
            "Your payments and refunds (amount, purpose, payee, transaction reference) and "
            "their ledger entries, no longer linked to your name",
        ),
        LocalizedText(
            "Chứng từ kế toán phải được lưu trữ tối thiểu 10 năm theo Luật Kế toán 2015 (Điều 41) "
            "và Nghị định 174/2016/NĐ-CP; Nghị định 13/2023/NĐ-CP cho phép giữ dữ liệu khi luật "
            "yêu cầu.",
            "Accounting records must be kept for at least 10 years under the Law on Accounting "
            "2015 (Article 41) and Decree 174/2016/ND-CP; Decree 13/2023/ND-CP allows data to be "
            "kept where the law requires it.",
        ),
    ),
}


def export_payments(session: Session, user_id: str) -> dict[str, Any]:
    """The payments the user was asked to pay, with their refunds."""
    rows = session.execute(
        select(Payment, Organization.code, Tenant.slug)
        .join(Organization, Organization.id == Payment.payee_id)
        .join(Tenant, Tenant.id == Payment.tenant_id)
        .where(Payment.payer_id == user_id)
        .order_by(Payment.created_at, Payment.id)
    ).all()
    refunds: dict[str, list[dict[str, Any]]] = {}
    for refund in session.scalars(
        select(Refund)
        .where(Refund.payment_id.in_([payment.id for payment, _, _ in rows]))
        .order_by(Refund.created_at)
    ):
        refunds.setdefault(refund.payment_id, []).append(
            {
                "id": refund.id,
                "amount": refund.amount,
                "reason": refund.reason,
                "status": refund.status,
                "at": refund.created_at.isoformat(),
            }
        )
    return {
        "payments": [
            {
                "id": payment.id,
                "tenant": slug,
                "amount": payment.amount,
                "currency": payment.currency,
                "purpose": {"vi": payment.purpose, "en": payment.purpose_en},
                "payee": payee,
                "service": payment.plugin_id,
                "status": payment.status,
                "provider": payment.provider,
                "provider_ref": payment.provider_ref,
                "created_at": payment.created_at.isoformat(),
                "paid_at": payment.paid_at.isoformat() if payment.paid_at else None,
                "refunded": payment.refunded,
                "refunds": refunds.get(payment.id, []),
                "metadata": dict(payment.metadata_ or {}),
            }
            for payment, payee, slug in rows
        ]
    }
