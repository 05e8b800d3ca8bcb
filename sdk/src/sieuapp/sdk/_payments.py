"""Payments: what a plugin that sells something and a plugin that moves money see.

A service plugin (taxi, utility bills) creates a payment through ``services.payments`` and
learns its outcome through the ``payment_succeeded``, ``payment_failed`` and
``payment_refunded`` hooks. A provider plugin (VNPay, VietQR) speaks one gateway's protocol:
it starts a checkout, reports what the gateway said through ``services.payments.settle`` and
performs refunds. Neither touches the ledger; the host keeps it.

Amounts are whole Vietnamese đồng: the currency has no minor unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from ._text import LocalizedText

#: The only currency the platform settles.
CURRENCY = "VND"

#: A payment's states. ``requires_payment_method`` until the payer picks a provider,
#: ``processing`` while the gateway has it, then one of the final three.
PAYMENT_STATUSES = ("requires_payment_method", "processing", "succeeded", "failed", "canceled")

#: How a provider takes the money: sends the payer to the gateway's page, shows a QR code for
#: the payer's banking app, or is recorded by an official at a service centre's counter.
PROVIDER_KINDS = ("redirect", "qr", "counter")


@dataclass(frozen=True)
class PaymentInfo:
    """A payment as plugins see it."""

    #: Public id, also the reference a gateway and a bank transfer carry: ``PAY`` and 17
    #: characters of Crockford base32 (upper-case letters and digits only, so it survives a
    #: bank's transfer-content field and VNPay's ``vnp_TxnRef``).
    id: str
    amount: int
    status: str
    purpose: LocalizedText
    #: The organization code of the payee.
    payee: str
    payer_id: str | None
    #: The plugin that created the payment, or None for the host's own (fees, bills).
    plugin_id: str | None
    #: The provider chosen for the current attempt, and the gateway's transaction number.
    provider: str | None
    provider_ref: str | None
    #: Sum of the refunds that succeeded so far.
    refunded: int
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    currency: str = CURRENCY

    @property
    def refundable(self) -> int:
        return self.amount - self.refunded if self.status == "succeeded" else 0


@dataclass(frozen=True)
class PaymentProvider:
    """A way to pay that a plugin offers, returned by ``payment_providers``."""

    #: Name the payer chooses and the ledger's clearing account is named after.
    name: str
    label: LocalizedText
    #: One of ``PROVIDER_KINDS``.
    kind: str
    #: True when the plugin's ``refund_payment`` can return money through the gateway.
    refunds: bool = False

    def problems(self) -> list[str]:
        found: list[str] = []
        if not isinstance(self.name, str) or not self.name.replace("_", "").isalnum():
            found.append(f"name: {self.name!r} must be letters, digits and _")
        if not isinstance(self.label, LocalizedText):
            found.append("label: must be LocalizedText(vi=..., en=...)")
        else:
            found.extend(self.label.problems("label"))
        if self.kind not in PROVIDER_KINDS:
            found.append(f"kind: {self.kind!r} is not one of {', '.join(PROVIDER_KINDS)}")
        return found


@dataclass(frozen=True)
class Checkout:
    """What ``start_payment`` answers: where to send the payer, or what to show them."""

    #: For ``redirect`` providers: the gateway's payment page, signed.
    redirect_url: str | None = None
    #: For ``qr`` providers: the QR code's text (EMVCo payload) the payer's bank app reads.
    qr_payload: str | None = None
    #: For ``qr`` providers: a path of the plugin's routes serving the code as an image.
    qr_image_url: str | None = None
    #: What to tell the payer, in both languages (account number, where to pay).
    instructions: LocalizedText | None = None
    #: The provider's own reference for this attempt, when it issues one up front.
    provider_ref: str | None = None


@dataclass(frozen=True)
class Settlement:
    """The host's answer to ``services.payments.settle``: what it did with the gateway's word.

    The outcomes follow the order a gateway expects them checked in: the payment exists, the
    amount matches, it was not settled already; only then is it applied."""

    APPLIED: ClassVar[str] = "applied"
    NOT_FOUND: ClassVar[str] = "not_found"
    AMOUNT_MISMATCH: ClassVar[str] = "amount_mismatch"
    ALREADY_SETTLED: ClassVar[str] = "already_settled"
    OUTCOMES: ClassVar[tuple[str, ...]] = (
        "applied",
        "not_found",
        "amount_mismatch",
        "already_settled",
    )

    outcome: str
    payment: PaymentInfo | None = None

    def __post_init__(self) -> None:
        if self.outcome not in self.OUTCOMES:
            raise ValueError(
                f"Settlement outcome must be one of {', '.join(self.OUTCOMES)}, "
                f"not {self.outcome!r}"
            )


@dataclass(frozen=True)
class RefundResult:
    """What ``refund_payment`` answers: the gateway returned the money, or refused."""

    succeeded: bool
    #: The gateway's reference for the refund, or its error for the audit log. Never secrets.
    provider_ref: str = ""
    detail: str = ""


@dataclass(frozen=True)
class ProviderTransaction:
    """One line of a provider's transaction list, for reconciliation."""

    #: The payment id the gateway was given (VNPay's ``vnp_TxnRef``).
    payment_id: str
    provider_ref: str
    amount: int
    #: ``payment`` or ``refund``.
    kind: str
    #: True when the gateway counts it as done.
    succeeded: bool
    at: datetime
