"""Reconciliation: what the ledger says a provider took and returned, against what the provider
says it did, payment by payment.

The provider plugin asks its gateway about the payments sent to it (VNPay's ``querydr``); the
lines that disagree are what an accountant must act on: money the gateway took that the
ledger never captured (a lost notification, a payment paid twice), a capture the gateway does
not know, amounts or refunds that differ.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sieuapp.sdk import ProviderTransaction
from sieuapp.sdk.errors import InvalidInput
from sqlalchemy import select
from sqlalchemy.orm import Session

from .._runtime import runtime_of
from ..plugins._host import HookFailed
from ..tenancy.context import current_tenant
from .intents import info
from .models import Payment, PaymentAttempt, Refund
from .providers import ProviderUnavailable, available

HOOK = "provider_transactions"
#: At most this many payments per report; a month of a province's taxi fares fits.
LIMIT = 5000


def _ours(
    session: Session, tenant_id: int, provider: str, start: datetime, end: datetime
) -> list[Payment]:
    return list(
        session.scalars(
            select(Payment)
            .join(PaymentAttempt, PaymentAttempt.payment_id == Payment.id)
            .where(
                Payment.tenant_id == tenant_id,
                PaymentAttempt.provider == provider,
                Payment.created_at >= start,
                Payment.created_at < end,
            )
            .order_by(Payment.created_at)
            .limit(LIMIT)
        )
    )


def _refunded(session: Session, payment_ids: list[str]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for payment_id, amount in session.execute(
        select(Refund.payment_id, Refund.amount).where(
            Refund.payment_id.in_(payment_ids), Refund.status == "succeeded"
        )
    ):
        totals[payment_id] += amount
    return totals


def reconcile(session: Session, provider: str, start: datetime, end: datetime) -> dict[str, Any]:
    tenant = current_tenant()
    entry = available().get(provider)
    if entry is None or entry.plugin_id is None:
        raise InvalidInput(
            "provider", {"provider": ["A provider with a gateway to ask (not the counter)."]}
        )
    ours = _ours(session, tenant.id, provider, start, end)
    try:
        answer = runtime_of().host.call(
            entry.plugin_id,
            HOOK,
            tenant.id,
            provider=provider,
            payments=[info(session, p) for p in ours],
            tenant=tenant.info(),
        )
    except HookFailed as exc:
        raise ProviderUnavailable(
            "The provider could not be asked for its transactions.", {"provider": [provider]}
        ) from exc
    theirs: dict[str, list[ProviderTransaction]] = defaultdict(list)
    for line in answer or []:
        if isinstance(line, ProviderTransaction):
            theirs[line.payment_id].append(line)
    refunded = _refunded(session, [p.id for p in ours])
    lines: list[dict[str, Any]] = []
    totals = {"ledger_captured": 0, "provider_captured": 0, "ledger_refunded": 0}
    totals["provider_refunded"] = 0
    for payment in ours:
        captured = (
            payment.amount
            if (payment.status == "succeeded" and payment.provider == provider)
            else 0
        )
        paid = sum(t.amount for t in theirs[payment.id] if t.kind == "payment" and t.succeeded)
        back = sum(t.amount for t in theirs[payment.id] if t.kind == "refund" and t.succeeded)
        ours_back = refunded.get(payment.id, 0) if captured else 0
        totals["ledger_captured"] += captured
        totals["provider_captured"] += paid
        totals["ledger_refunded"] += ours_back
        totals["provider_refunded"] += back
        if captured == paid and ours_back == back:
            status = "matched"
        elif captured == 0 and paid:
            status = "missing_in_ledger"
        elif captured and paid == 0:
            status = "missing_at_provider"
        elif captured != paid:
            status = "amount_mismatch"
        else:
            status = "refund_mismatch"
        lines.append(
            {
                "payment": payment.id,
                "status": status,
                "payment_status": payment.status,
                "ledger_captured": captured,
                "provider_captured": paid,
                "ledger_refunded": ours_back,
                "provider_refunded": back,
                "provider_refs": sorted({t.provider_ref for t in theirs[payment.id]}),
            }
        )
    problems = [line for line in lines if line["status"] != "matched"]
    return {
        "provider": provider,
        "from": start,
        "to": end,
        "payments": len(lines),
        "matched": len(lines) - len(problems),
        "totals": totals,
        "difference": totals["provider_captured"]
        - totals["provider_refunded"]
        - totals["ledger_captured"]
        + totals["ledger_refunded"],
        "lines": problems,
    }
