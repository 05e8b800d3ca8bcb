"""The IPN: VNPay's server telling us, server to server, what became of a payment. It is the
only word that settles one (the payer's return is just a browser passing by), and it is checked
in the order VNPay expects: signature, order, amount, not settled yet."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeGuard

from sieuapp.sdk import PaymentsService, Settlement
from sieuapp.sdk.errors import NotFound

from . import protocol
from .configuration import is_configured
from .signing import verify

RSP_CODES = {
    Settlement.APPLIED: "00",
    Settlement.NOT_FOUND: "01",
    Settlement.AMOUNT_MISMATCH: "04",
    Settlement.ALREADY_SETTLED: "02",
}


def single_values(pairs: Iterable[tuple[str, str]]) -> dict[str, str] | None:
    """The query as one value per name, or None when a name repeats: VNPay never repeats one,
    and a second value could be signed and another one read."""
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            return None
        params[name] = value
    return params


def authentic(params: dict[str, str] | None, config: dict[str, Any]) -> TypeGuard[dict[str, str]]:
    """True when VNPay signed ``params`` for our terminal."""
    return (
        params is not None
        and is_configured(config)
        and verify(params, config["hash_secret"])
        and params.get("vnp_TmnCode") == config["tmn_code"]
    )


def succeeded(params: dict[str, str]) -> bool:
    return params.get("vnp_ResponseCode") == "00" and params.get("vnp_TransactionStatus") == "00"


def fee_of(amount: int, config: dict[str, Any]) -> int:
    """VNPay's fee on ``amount`` at the contract's rate, rounded to the đồng."""
    basis_points = round(float(config.get("fee_percent") or 0) * 100)
    return min((amount * basis_points + 5000) // 10000, amount - 1) if amount > 0 else 0


def _detail(params: dict[str, str]) -> str:
    # For the payment's history: VNPay's own words, short, never the signature.
    names = ("vnp_ResponseCode", "vnp_TransactionStatus", "vnp_BankCode", "vnp_PayDate")
    return " ".join(f"{name[4:]}={params.get(name, '')[:20]}" for name in names)


def answer(params: dict[str, str] | None, config: dict[str, Any], payments: PaymentsService) -> str:
    """The RspCode for an IPN; nothing is settled unless VNPay's signature holds."""
    if not authentic(params, config):
        return "97"
    payment_id = params.get("vnp_TxnRef", "")
    amount = protocol.major(params.get("vnp_Amount", ""))
    if amount is None:
        # Not an amount the host could compare; the order is still checked first.
        try:
            payments.get(payment_id)
        except NotFound:
            return "01"
        return "04"
    settlement = payments.settle(
        payment_id,
        amount=amount,
        succeeded=succeeded(params),
        provider_ref=params.get("vnp_TransactionNo", ""),
        detail=_detail(params),
        fee=fee_of(amount, config),
    )
    return RSP_CODES[settlement.outcome]
