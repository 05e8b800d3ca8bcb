"""VNPay's two signatures (API 2.1.0), both a hex HMAC-SHA512 keyed with the merchant's hash
secret:

- over a query (the payment URL, the IPN, the payer's return): every ``vnp_`` parameter but the
  hash itself, sorted by name, each ``name=value`` with the value encoded as ``quote_plus`` does,
  joined by ``&`` — what VNPay's own samples compute;
- over a message of the merchant web API (``refund``, ``querydr`` and their answers): the values
  of the fields VNPay lists for that message, in that order, joined by ``|``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote_plus

#: Parameters that carry the signature rather than being signed.
HASH_PARAMS = frozenset({"vnp_SecureHash", "vnp_SecureHashType"})

#: The fields each merchant web API message signs, in VNPay's order.
REFUND_REQUEST = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TransactionType",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_TransactionNo",
    "vnp_TransactionDate",
    "vnp_CreateBy",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
QUERYDR_REQUEST = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
REFUND_RESPONSE = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
)
QUERYDR_RESPONSE = (*REFUND_RESPONSE, "vnp_PromotionCode", "vnp_PromotionAmount")


def hmac_sha512(secret: str, data: str) -> str:
    return hmac.new(secret.encode("utf-8"), data.encode("utf-8"), hashlib.sha512).hexdigest()


def hash_data(params: Mapping[str, str]) -> str:
    """The string a query's signature covers."""
    signed = sorted(
        (name, value)
        for name, value in params.items()
        if name.startswith("vnp_") and name not in HASH_PARAMS
    )
    return "&".join(f"{quote_plus(name)}={quote_plus(value)}" for name, value in signed)


def sign(params: Mapping[str, str], secret: str) -> str:
    return hmac_sha512(secret, hash_data(params))


def _same_hex(expected: str, given: Any) -> bool:
    if not isinstance(given, str) or not given:
        return False
    # compare_digest takes str only when ASCII; bytes compare whatever was sent.
    return hmac.compare_digest(expected.encode("ascii"), given.lower().encode("utf-8"))


def verify(params: Mapping[str, str], secret: str) -> bool:
    """True when ``vnp_SecureHash`` signs the other ``vnp_`` parameters (hex, any case)."""
    return _same_hex(sign(params, secret), params.get("vnp_SecureHash"))


def signed_query(params: Mapping[str, str], secret: str) -> str:
    """``params`` as a query string followed by their ``vnp_SecureHash``."""
    data = hash_data(params)
    return f"{data}&vnp_SecureHash={hmac_sha512(secret, data)}"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def pipe_data(message: Mapping[str, Any], fields: Sequence[str]) -> str:
    """The string a web API message's signature covers; a missing field counts as empty."""
    return "|".join(_text(message.get(name)) for name in fields)


def pipe_sign(message: Mapping[str, Any], fields: Sequence[str], secret: str) -> str:
    return hmac_sha512(secret, pipe_data(message, fields))


def pipe_verify(message: Mapping[str, Any], fields: Sequence[str], secret: str) -> bool:
    return _same_hex(pipe_sign(message, fields, secret), message.get("vnp_SecureHash"))
