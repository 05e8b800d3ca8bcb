"""Telling people what became of a payment: the payer's inbox, the plugin that asked for it
(its hooks), and the payee organization's back-end (signed webhooks).

All three are written in the transaction that settles the payment (the inbox row, the outbox
task, the webhook deliveries), so a rolled-back settlement tells nobody and a committed one
reaches everybody, however often the gateway repeats itself.
"""

from __future__ import annotations

import logging
from typing import Any

from sieuapp.sdk import text
from sqlalchemy.orm import Session

from ..db import current_session
from ..notifications.service import notify
from ..notifications.templates import render
from ..plugins.task_calls import call_from_task
from ..tasks.outbox import enqueue
from ..tenancy.context import load_tenant_by_id
from ..webhooks.events import register_event_type
from ..webhooks.publishing import event_id_for, publish
from .intents import info
from .models import Payment
from .money import money

log = logging.getLogger("sieuapp.payments")

#: The outbox task that calls the creating plugin's ``payment_<outcome>`` hook.
HOOK_TASK = "payments.plugin_hook"
HOOKS = {
    "succeeded": "payment_succeeded",
    "failed": "payment_failed",
    "canceled": "payment_failed",
    "refunded": "payment_refunded",
}
EVENT_TYPES = {
    "payment.succeeded": text(
        "Một khoản thanh toán cho tổ chức đã thành công", "A payment to the organization succeeded"
    ),
    "payment.failed": text(
        "Một khoản thanh toán không thành công, bị hủy hoặc hết hạn",
        "A payment failed, was canceled or expired",
    ),
    "payment.refunded": text(
        "Một khoản đã được hoàn cho người trả", "An amount was refunded to the payer"
    ),
}
for _name, _description in EVENT_TYPES.items():
    register_event_type(_name, _description)


def announce(
    session: Session, payment: Payment, outcome: str, *, amount: int | None = None, key: str = ""
) -> None:
    """Tell the payer, the plugin and the payee's back-end that ``payment`` reached ``outcome``
    (``succeeded``, ``failed``, ``canceled`` or ``refunded`` with ``amount``); ``key`` tells one
    refund of a payment from the next."""
    event = "failed" if outcome == "canceled" else outcome
    moved = payment.amount if amount is None else amount
    data = _event_data(session, payment, outcome, moved)
    publish(
        session,
        payment.tenant_id,
        payment.payee_id,
        f"payment.{event}",
        data,
        event_id=event_id_for(f"payment.{event}", payment.id, *([key] if key else [])),
    )
    if payment.payer_id is not None and outcome != "canceled":
        values = {
            "amount": money(moved),
            "purpose": text(payment.purpose, payment.purpose_en),
            "payment": payment.id,
        }
        notify(
            session,
            payment.tenant_id,
            payment.payer_id,
            f"payment.{event}",
            *render(session, payment.tenant_id, f"payment.{event}", values),
            f"/api/v1/payments/{payment.id}",
            {"payment_id": payment.id, "amount": moved},
        )
    if payment.plugin_id is not None:
        enqueue(
            session,
            HOOK_TASK,
            {"payment_id": payment.id, "outcome": outcome, "amount": moved},
            tenant_id=payment.tenant_id,
        )


def _event_data(session: Session, payment: Payment, outcome: str, amount: int) -> dict[str, Any]:
    seen = info(session, payment)
    return {
        "id": payment.id,
        "status": payment.status,
        "outcome": outcome,
        "amount": payment.amount,
        "moved": amount,
        "refunded": payment.refunded,
        "currency": "VND",
        "purpose": {"vi": payment.purpose, "en": payment.purpose_en},
        "payee": seen.payee,
        "plugin": payment.plugin_id,
        "provider": payment.provider,
        "provider_ref": payment.provider_ref,
        "metadata": dict(seen.metadata),
        "paid_at": payment.paid_at.isoformat() if payment.paid_at else None,
    }


def run_plugin_hook(payload: dict[str, Any]) -> None:
    """Outbox task: call the creating plugin's hook; raising makes the outbox retry it."""
    session = current_session()
    payment = session.get(Payment, payload["payment_id"])
    if payment is None or payment.plugin_id is None:
        return
    tenant = load_tenant_by_id(payment.tenant_id)
    if tenant is None:
        return
    hook = HOOKS[payload["outcome"]]
    arguments: dict[str, Any] = {"payment": info(session, payment)}
    if hook == "payment_refunded":
        arguments["amount"] = int(payload["amount"])
    call_from_task(session, tenant, payment.plugin_id, hook, **arguments)


def register_tasks(runtime: Any) -> None:
    runtime.task_registry.register(HOOK_TASK, run_plugin_hook)


__all__ = ["EVENT_TYPES", "HOOK_TASK", "announce", "register_tasks"]
