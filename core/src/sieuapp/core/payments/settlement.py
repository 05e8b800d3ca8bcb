"""Applying a provider's word about a payment: once, in the order gateways expect it checked.

The checks follow VNPay's IPN order, which suits every provider: the payment exists (and this
provider was asked to take it), the amount is the payment's, it was not settled already; only
then is it applied. Applying a success posts the capture to the ledger under transfer ids named
after the payment, so even two notifications racing past the row lock could not post it twice.
"""

from __future__ import annotations

from sieuapp.sdk import Settlement
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import utcnow
from . import ledger, postings
from .intents import FINAL, close, event, info, locked, payee_code
from .models import Payment, PaymentAttempt
from .outcomes import announce


def _provider_for(session: Session, payment: Payment, plugin_id: str | None) -> str | None:
    """Which of the payment's attempts the caller serves; None when it was never asked."""
    attempts = session.scalars(
        select(PaymentAttempt).where(PaymentAttempt.payment_id == payment.id)
    ).all()
    mine = [a.provider for a in attempts if a.plugin_id == plugin_id]
    if not mine:
        return None
    return payment.provider if payment.provider in mine else mine[0]


def settle(
    session: Session,
    tenant_id: int,
    payment_id: str,
    *,
    plugin_id: str | None,
    amount: int,
    succeeded: bool,
    provider_ref: str,
    detail: str = "",
    fee: int = 0,
) -> Settlement:
    """Record a provider's word; ``plugin_id`` None is the platform's counter."""
    payment = locked(session, tenant_id, payment_id)
    provider = None if payment is None else _provider_for(session, payment, plugin_id)
    if payment is None or provider is None:
        return Settlement(Settlement.NOT_FOUND)
    ref = str(provider_ref)[:100]
    if amount != payment.amount:
        event(session, payment, "amount_mismatch", provider, amount=amount, provider_ref=ref)
        return Settlement(Settlement.AMOUNT_MISMATCH, info(session, payment))
    if payment.status in FINAL:
        if succeeded and not (payment.status == "succeeded" and payment.provider_ref == ref):
            # Money taken for a payment already closed (paid through another provider, or
            # canceled): reconciliation lists it for a refund.
            event(session, payment, "late_success", provider, provider_ref=ref, detail=detail)
        return Settlement(Settlement.ALREADY_SETTLED, info(session, payment))
    payment.provider = provider
    payment.provider_ref = ref
    if succeeded:
        payment.fee = fee
        payee = payee_code(session, payment)
        posted = ledger.post_many(
            session,
            tenant_id,
            postings.capture(payment, payee, provider),
            "capture",
            payment_id=payment.id,
        )
        if not posted:
            # Captured by a transaction this one's lock did not see (it is the safety net,
            # not the plan): the first word was applied, this one is a repeat.
            return Settlement(Settlement.ALREADY_SETTLED, info(session, payment))
        payment.status = "succeeded"
        payment.paid_at = utcnow()
        event(session, payment, "succeeded", provider, provider_ref=ref, detail=detail)
        announce(session, payment, "succeeded")
    else:
        close(session, payment, "failed", detail or "declined by the provider")
    session.flush()
    return Settlement(Settlement.APPLIED, info(session, payment))
