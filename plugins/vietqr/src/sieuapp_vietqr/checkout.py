"""A payment's VietQR: the code's payload and the checkout the host shows the payer."""

from __future__ import annotations

from typing import Any

from sieuapp.sdk import Checkout, PaymentInfo

from . import instructions
from .payload import VietQR, encode
from .reference import transfer_content


def vietqr_for(config: dict[str, Any], payment: PaymentInfo) -> VietQR:
    """The transfer that pays ``payment`` into the configured account."""
    return VietQR(
        bank_bin=config["bank_bin"],
        account_number=config["account_number"],
        service_code=config["service_code"],
        amount=payment.amount,
        purpose=transfer_content(payment.id),
    )


def payload_for(config: dict[str, Any], payment: PaymentInfo) -> str:
    return encode(vietqr_for(config, payment))


def start(config: dict[str, Any], payment: PaymentInfo) -> Checkout:
    qr = vietqr_for(config, payment)
    assert qr.purpose is not None
    return Checkout(
        qr_payload=encode(qr),
        # The host's checkout answer carries it; the route checks the caller is the payer.
        qr_image_url=f"/m/vietqr/payments/{payment.id}/qr.png",
        instructions=instructions.for_transfer(config, payment.amount, qr.purpose),
    )
