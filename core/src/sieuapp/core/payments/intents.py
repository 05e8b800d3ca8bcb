"""Creating payments, what the API and plugins see of them, and their state machine.

    requires_payment_method ──start──▶ processing ──gateway──▶ succeeded ──refunds──▶ (refunded)
            │                               │         └──────▶ failed
            └────────cancel / expire────────┴────────────────▶ canceled

A payment stays open (``requires_payment_method`` or ``processing``) until a provider settles it
or it is canceled or expires. The payer may start it again with another provider while it is
open: the attempt the money arrives through is the one that counts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sieuapp.sdk import LocalizedText, PaymentInfo
from sieuapp.sdk.errors import Conflict, InvalidInput
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.log import record as audit
from ..db import utcnow
from ..identity.models import User
from ..tenancy.models import Organization
from .ids import new_payment_id
from .models import Payment, PaymentEvent

OPEN = ("requires_payment_method", "processing")
FINAL = ("succeeded", "failed", "canceled")
#: A payment larger than this is a typo or an attack, not a public-service fee or a fare.
MAX_AMOUNT = 1_000_000_000
MIN_EXPIRY, MAX_EXPIRY, DEFAULT_EXPIRY = 60, 7 * 24 * 3600, 15 * 60
#: Metadata is the caller's cross-reference (an order number, a bill period), not a document.
MAX_METADATA_BYTES = 4096


def _check_metadata(metadata: Any) -> dict[str, Any]:
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise InvalidInput("metadata", {"metadata": ["Must be an object."]})
    try:
        size = len(json.dumps(dict(metadata), ensure_ascii=False).encode())
    except (TypeError, ValueError):
        raise InvalidInput("metadata", {"metadata": ["Must hold JSON values only."]}) from None
    if size > MAX_METADATA_BYTES:
        raise InvalidInput(
            "metadata", {"metadata": [f"At most {MAX_METADATA_BYTES} bytes of JSON."]}
        )
    return dict(metadata)


def check_request(
    amount: Any, purpose: Any, expires_in: Any, metadata: Any
) -> tuple[int, LocalizedText, int, dict[str, Any]]:
    """What a caller (API or plugin) asked for, checked; ``InvalidInput`` names every bad field."""
    errors: dict[str, list[str]] = {}
    if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= MAX_AMOUNT:
        errors["amount"] = [f"Whole đồng from 1 to {MAX_AMOUNT}."]
    if not isinstance(purpose, LocalizedText):
        errors["purpose"] = ["Must be text in Vietnamese and English."]
    else:
        problems = purpose.problems("purpose")
        if problems:
            errors["purpose"] = problems
        elif max(len(purpose.vi), len(purpose.en)) > 200:
            errors["purpose"] = ["At most 200 characters in each language."]
    if (
        not isinstance(expires_in, int)
        or isinstance(expires_in, bool)
        or not MIN_EXPIRY <= expires_in <= MAX_EXPIRY
    ):
        errors["expires_in"] = [f"Seconds from {MIN_EXPIRY} to {MAX_EXPIRY}."]
    try:
        checked_metadata = _check_metadata(metadata)
    except InvalidInput as exc:
        errors.update(exc.errors)
        checked_metadata = {}
    if errors:
        raise InvalidInput("Some fields are invalid.", errors)
    return amount, purpose, expires_in, checked_metadata  # type: ignore[return-value]


def create(
    session: Session,
    tenant_id: int,
    *,
    amount: Any,
    purpose: Any,
    payee: Any,
    payer_id: str | None,
    plugin_id: str | None,
    metadata: Any = None,
    expires_in: Any = DEFAULT_EXPIRY,
    created_by: str | None = None,
) -> Payment:
    """A new payment awaiting its payer; raises ``InvalidInput`` naming the fields otherwise."""
    errors: dict[str, list[str]] = {}
    try:
        amount, purpose, expires_in, metadata = check_request(amount, purpose, expires_in, metadata)
    except InvalidInput as exc:
        errors.update(exc.errors)
    organization = (
        session.scalar(
            select(Organization).where(
                Organization.tenant_id == tenant_id,
                Organization.code == payee,
                Organization.active.is_(True),
            )
        )
        if isinstance(payee, str)
        else None
    )
    if organization is None:
        errors["payee"] = ["No such organization in this province."]
    if payer_id is not None:
        payer = session.get(User, payer_id) if isinstance(payer_id, str) else None
        if payer is None or not payer.active:
            errors["payer_id"] = ["No such user."]
    if errors:
        raise InvalidInput("Some fields are invalid.", errors)
    now = utcnow()
    payment = Payment(
        id=new_payment_id(),
        tenant_id=tenant_id,
        amount=amount,
        currency="VND",
        purpose=purpose.vi,
        purpose_en=purpose.en,
        payer_id=payer_id,
        payee_id=organization.id,  # type: ignore[union-attr]
        plugin_id=plugin_id,
        status="requires_payment_method",
        refunded=0,
        metadata_=metadata,
        created_by=created_by,
        created_at=now,
        expires_at=now + timedelta(seconds=expires_in),
    )
    session.add(payment)
    session.flush()
    event(session, payment, "created", amount=amount, plugin=plugin_id)
    audit(
        session,
        "payment.created",
        tenant_id=tenant_id,
        actor_id=created_by,
        target=f"payment:{payment.id}",
        after={"amount": amount, "payee": payee, "payer_id": payer_id},
        plugin_id=plugin_id,
    )
    return payment


def event(
    session: Session, payment: Payment, kind: str, provider: str | None = None, **detail: Any
) -> None:
    session.add(PaymentEvent(payment_id=payment.id, kind=kind, provider=provider, detail=detail))


def locked(session: Session, tenant_id: int, payment_id: str) -> Payment | None:
    """The payment, locked for this transaction (PostgreSQL; SQLite runs one writer at a time):
    concurrent notifications about it are applied one after the other, never side by side."""
    if not isinstance(payment_id, str) or len(payment_id) > 20:
        return None
    return session.scalar(
        select(Payment)
        .where(Payment.id == payment_id, Payment.tenant_id == tenant_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def payee_code(session: Session, payment: Payment) -> str:
    return session.get(Organization, payment.payee_id).code  # type: ignore[union-attr]


def info(session: Session, payment: Payment) -> PaymentInfo:
    """The payment as the SDK describes it to plugins."""
    return PaymentInfo(
        id=payment.id,
        amount=payment.amount,
        status=payment.status,
        purpose=LocalizedText(payment.purpose, payment.purpose_en),
        payee=payee_code(session, payment),
        payer_id=payment.payer_id,
        plugin_id=payment.plugin_id,
        provider=payment.provider,
        provider_ref=payment.provider_ref,
        refunded=payment.refunded,
        created_at=payment.created_at,
        expires_at=payment.expires_at,
        paid_at=payment.paid_at,
        metadata=dict(payment.metadata_ or {}),
    )


def cancel(session: Session, payment: Payment, reason: str, actor_id: str | None) -> None:
    """Cancel an open payment; ``Conflict`` when it is paid, failed or canceled already."""
    if payment.status not in OPEN:
        raise Conflict(
            f"The payment is {payment.status}; only an unpaid payment can be canceled.",
            {"status": [payment.status]},
        )
    close(session, payment, "canceled", reason)
    audit(
        session,
        "payment.canceled",
        tenant_id=payment.tenant_id,
        actor_id=actor_id,
        target=f"payment:{payment.id}",
        after={"reason": reason},
    )


def close(session: Session, payment: Payment, status: str, reason: str) -> None:
    """Move an open payment to ``failed`` or ``canceled`` and tell whoever asked for it."""
    from .outcomes import announce

    payment.status = status
    payment.status_reason = reason[:200]
    event(session, payment, status, provider=payment.provider, reason=reason)
    announce(session, payment, status)


def expire_due(session: Session) -> int:
    """Periodic: cancel the open payments past their expiry (a gateway refuses them by then)."""
    # A payment sent to a gateway gets a little longer: its notification may be on its way.
    now = utcnow()
    grace = now - timedelta(minutes=15)
    rows = session.scalars(
        select(Payment)
        .where(
            (Payment.status == "requires_payment_method") & (Payment.expires_at < now)
            | (Payment.status == "processing") & (Payment.expires_at < grace)
        )
        .order_by(Payment.expires_at)
        .limit(500)
        .with_for_update(skip_locked=True)
    ).all()
    for payment in rows:
        close(session, payment, "canceled", "expired")
    return len(rows)
