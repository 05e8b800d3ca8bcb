"""Refunds: asked for in one transaction, carried out by the provider in a task.

Asking reserves the amount (a pending refund counts against what is left to refund, under the
payment's row lock), so two refunds asked at once can never return more than was paid. The
provider is called from an outbox task after the request commits; only when it says the money
went back is the reversing transfer posted and the payment's ``refunded`` raised.
"""

from __future__ import annotations

from typing import Any

from sieuapp.sdk import RefundResult
from sieuapp.sdk.errors import Conflict, InvalidInput
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .._runtime import runtime_of
from ..audit.log import record as audit
from ..db import current_session, utcnow
from ..plugins._acting import acting_for
from ..plugins.task_calls import states_in
from ..tasks.outbox import enqueue
from ..tenancy.context import load_tenant_by_id
from . import ledger, postings
from .ids import new_refund_id
from .intents import event, info, locked, payee_code
from .models import Payment, PaymentAttempt, Refund
from .outcomes import announce

TASK = "payments.refund"
HOOK = "refund_payment"


def left_to_refund(session: Session, payment: Payment) -> int:
    pending = session.scalar(
        select(func.coalesce(func.sum(Refund.amount), 0)).where(
            Refund.payment_id == payment.id, Refund.status == "pending"
        )
    )
    return payment.amount - payment.refunded - int(pending or 0)


def request(
    session: Session,
    tenant_id: int,
    payment_id: str,
    amount: Any,
    reason: Any,
    *,
    actor_id: str | None,
    plugin_id: str | None = None,
) -> Refund:
    """Ask to return ``amount`` (None: all that is left) of a paid payment to its payer."""
    payment = locked(session, tenant_id, payment_id)
    if payment is None:
        raise LookupError(payment_id)
    if payment.status != "succeeded":
        raise Conflict(
            f"The payment is {payment.status}; only a paid payment can be refunded.",
            {"status": [payment.status]},
        )
    left = left_to_refund(session, payment)
    errors: dict[str, list[str]] = {}
    if amount is None:
        amount = left
    if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= left:
        errors["amount"] = [f"Whole đồng from 1 to {left}, what is left to refund."]
    if not isinstance(reason, str) or not 3 <= len(reason.strip()) <= 300:
        errors["reason"] = ["Between 3 and 300 characters."]
    if errors:
        raise InvalidInput("Some fields are invalid.", errors)
    refund = Refund(
        id=new_refund_id(),
        payment_id=payment.id,
        amount=amount,
        reason=reason.strip(),
        status="pending",
        requested_by=f"plugin:{plugin_id}" if plugin_id else actor_id,
    )
    session.add(refund)
    session.flush()
    event(session, payment, "refund_requested", payment.provider, refund=refund.id, amount=amount)
    audit(
        session,
        "payment.refund_requested",
        tenant_id=tenant_id,
        actor_id=actor_id,
        target=f"payment:{payment.id}",
        after={"refund": refund.id, "amount": amount, "reason": refund.reason},
        plugin_id=plugin_id,
    )
    if payment.provider == "counter":
        # The officer hands the money back across the counter as they record it.
        complete(session, payment, refund, RefundResult(True, f"counter:{refund.id}"))
    else:
        enqueue(session, TASK, {"refund_id": refund.id}, tenant_id=tenant_id)
    return refund


def complete(session: Session, payment: Payment, refund: Refund, result: RefundResult) -> None:
    """Record what the provider did with a pending refund."""
    refund.finished_at = utcnow()
    refund.provider_ref = (result.provider_ref or "")[:100] or None
    refund.detail = (result.detail or "")[:300] or None
    if not result.succeeded:
        refund.status = "failed"
        event(session, payment, "refund_failed", payment.provider, refund=refund.id)
        return
    payee = payee_code(session, payment)
    ledger.post_many(
        session,
        payment.tenant_id,
        postings.refund(payment, refund, payee, payment.provider or "counter"),
        "refund",
        payment_id=payment.id,
        refund_id=refund.id,
    )
    refund.status = "succeeded"
    payment.refunded += refund.amount
    event(session, payment, "refunded", payment.provider, refund=refund.id, amount=refund.amount)
    announce(session, payment, "refunded", amount=refund.amount, key=refund.id)


def run_refund(payload: dict[str, Any]) -> None:
    """Outbox task: have the provider return a pending refund; raising retries it later."""
    session = current_session()
    refund = session.get(Refund, payload["refund_id"])
    if refund is None or refund.status != "pending":
        return
    payment = session.get(Payment, refund.payment_id)
    tenant = load_tenant_by_id(payment.tenant_id) if payment else None
    if payment is None or tenant is None:
        return
    payment = locked(session, tenant.id, payment.id)
    attempt = session.scalar(
        select(PaymentAttempt).where(
            PaymentAttempt.payment_id == payment.id,  # type: ignore[union-attr]
            PaymentAttempt.provider == payment.provider,  # type: ignore[union-attr]
        )
    )
    if attempt is None or attempt.plugin_id is None:
        raise RuntimeError(f"refund {refund.id}: no plugin took payment {refund.payment_id}")
    runtime = runtime_of()
    with acting_for(tenant, states_in(session, tenant.id)):
        result = runtime.host.call(
            attempt.plugin_id,
            HOOK,
            tenant.id,
            provider=attempt.provider,
            payment=info(session, payment),  # type: ignore[arg-type]
            amount=refund.amount,
            refund_id=refund.id,
            reason=refund.reason,
            tenant=tenant.info(),
        )
    if not isinstance(result, RefundResult):
        raise TypeError(f"plugin {attempt.plugin_id!r}: {HOOK} returned {result!r}")
    complete(session, payment, refund, result)  # type: ignore[arg-type]


def register_tasks(runtime: Any) -> None:
    runtime.task_registry.register(TASK, run_refund)
