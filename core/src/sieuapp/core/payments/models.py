"""Payments, their attempts and refunds, the keys that make requests idempotent, and the ledger.

The ledger's rows are never updated or deleted, and a transfer's entries sum to zero: the
database refuses anything else (``ledger_rules.py``), whatever code writes to it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, JSONType, UTCDateTime, utcnow


class Payment(Base):
    """What a payer owes a payee organization, and what became of it."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("refunded >= 0 AND refunded <= amount", name="refunded_within_amount"),
        CheckConstraint("fee >= 0 AND fee < amount", name="fee_within_amount"),
        CheckConstraint(
            "status IN ('requires_payment_method', 'processing', 'succeeded', 'failed',"
            " 'canceled')",
            name="status_known",
        ),
        Index("ix_payments_payer_created", "tenant_id", "payer_id", "created_at"),
        Index("ix_payments_payee_created", "tenant_id", "payee_id", "created_at"),
        Index("ix_payments_status_expires", "status", "expires_at"),
    )

    #: ``PAY`` and 17 Crockford base32 characters: the reference gateways and banks carry.
    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="VND")
    purpose: Mapped[str] = mapped_column(String(200))
    purpose_en: Mapped[str] = mapped_column(String(200))
    payer_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    payee_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"))
    #: The plugin that asked for the payment; None for the platform's own (counter fees).
    plugin_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    status: Mapped[str] = mapped_column(String(24), default="requires_payment_method")
    #: Why it failed or was canceled: the gateway's code, ``expired``, ``canceled_by_payer``.
    status_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    provider: Mapped[str | None] = mapped_column(String(40), nullable=True)
    provider_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)
    #: What the provider kept of the amount (its fee), as it said when settling.
    fee: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    refunded: Mapped[int] = mapped_column(BigInteger, default=0)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)
    created_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PaymentAttempt(Base):
    """The payer chose a provider; only a provider asked to take a payment may settle it."""

    __tablename__ = "payment_attempts"
    __table_args__ = (UniqueConstraint("payment_id", "provider"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(40))
    #: The plugin serving the provider then, or None for the counter.
    plugin_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    provider_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PaymentEvent(Base):
    """What happened to a payment, in order: created, started, the gateway's word, refunds."""

    __tablename__ = "payment_events"
    __table_args__ = (Index("ix_payment_events_payment", "payment_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    provider: Mapped[str | None] = mapped_column(String(40), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Refund(Base):
    """Money going back to the payer: pending until the provider returns it."""

    __tablename__ = "payment_refunds"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name="status_known"),
    )

    #: ``RFD`` and 17 Crockford base32 characters, also the provider's request id.
    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    provider_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)
    detail: Mapped[str | None] = mapped_column(String(300), nullable=True)
    requested_by: Mapped[str | None] = mapped_column(String(60), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class IdempotencyKey(Base):
    """A request made with an ``Idempotency-Key``: its body's digest and the answer it got."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("tenant_id", "owner", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    #: Whose key it is: ``user:<id>`` or ``plugin:<id>``; two callers' keys never collide.
    owner: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(255))
    #: The operation and a digest of its arguments; the same key with others is refused.
    operation: Mapped[str] = mapped_column(String(120))
    request_digest: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LedgerAccount(Base):
    """An account of the tenant's ledger: a payer, a payee organization, a clearing or fees."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        CheckConstraint("kind IN ('payer', 'payee', 'clearing', 'fees')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    #: ``payer:<user id>``, ``payee:<organization code>``, ``clearing:<provider>``,
    #: ``fees:<provider>``.
    code: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LedgerTransfer(Base):
    """One movement of money; its entries are written first and it seals them."""

    __tablename__ = "ledger_transfers"
    __table_args__ = (Index("ix_ledger_transfers_payment", "payment_id"),)

    #: Chosen by the caller from what caused it (``PAY…:capture``): posting twice is a no-op.
    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(20))
    payment_id: Mapped[str | None] = mapped_column(
        ForeignKey("payments.id", ondelete="RESTRICT"), nullable=True
    )
    refund_id: Mapped[str | None] = mapped_column(
        ForeignKey("payment_refunds.id", ondelete="RESTRICT"), nullable=True
    )
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LedgerEntry(Base):
    """One leg of a transfer: a debit (positive) or a credit (negative) of one account."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_nonzero"),
        Index("ix_ledger_entries_account", "account_id", "id"),
        Index("ix_ledger_entries_transfer", "transfer_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Entries are written before the transfer row that seals them (its trigger checks they
    # balance), so the key is checked at commit: no entry outlives a rolled-back transfer.
    transfer_id: Mapped[str] = mapped_column(
        ForeignKey(
            "ledger_transfers.id", ondelete="RESTRICT", deferrable=True, initially="DEFERRED"
        )
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
