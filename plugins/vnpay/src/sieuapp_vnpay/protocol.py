"""VNPay's API 2.1.0 as messages: the payment request, the IPN's answer codes, and the refund
and querydr requests, with the dates and amounts the way VNPay writes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sieuapp.sdk import PaymentInfo

from .texts import order_info

VERSION = "2.1.0"

#: VNPay's clock: every date is ``yyyyMMddHHmmss`` in GMT+7 (Vietnam has no daylight saving).
GMT7 = timezone(timedelta(hours=7), "GMT+7")
STAMP = "%Y%m%d%H%M%S"

#: VNPay's payment page takes 5,000 đồng to under a billion đồng.
MIN_AMOUNT = 5_000
MAX_AMOUNT = 999_999_999

#: ``vnp_ReturnUrl`` is at most 255 characters.
RETURN_URL_LIMIT = 255

#: What the merchant answers an IPN with, in the order the gateway expects them checked.
IPN_MESSAGES = {
    "97": "Invalid Checksum",
    "01": "Order not found",
    "04": "Invalid amount",
    "02": "Order already confirmed",
    "00": "Confirm Success",
    "99": "Unknown error",
}
#: Answers after which the gateway stops calling the IPN again; it retries the others.
IPN_FINAL = frozenset({"00", "02"})

#: ``vnp_ResponseCode`` of a payment the payer canceled on VNPay's page.
CANCELED = "24"

#: ``vnp_TransactionType`` of a refund: all of the payment, or part of it.
FULL_REFUND = "02"
PARTIAL_REFUND = "03"
#: ``vnp_TransactionType`` querydr reports for a payment.
PAYMENT = "01"


def stamp(moment: datetime) -> str:
    """``moment`` (aware) as VNPay writes dates."""
    return moment.astimezone(GMT7).strftime(STAMP)


def parse_stamp(value: str) -> datetime | None:
    """A VNPay date as an aware UTC datetime, or None when it is not one."""
    if len(value) != 14 or not value.isdigit():
        return None
    try:
        moment = datetime.strptime(value, STAMP).replace(tzinfo=GMT7)
    except ValueError:
        return None
    return moment.astimezone(UTC)


def minor(amount: int) -> str:
    """Đồng as ``vnp_Amount``: VNPay counts hundredths though the currency has no minor unit."""
    return str(amount * 100)


def major(value: Any) -> int | None:
    """``vnp_Amount`` as đồng, or None unless it is a whole number of đồng."""
    text = str(value)
    if not text.isascii() or not text.isdigit() or int(text) % 100:
        return None
    return int(text) // 100


def locale(language: str) -> str:
    return "en" if language == "en" else "vn"


def pay_request(
    config: dict[str, Any],
    payment: PaymentInfo,
    return_url: str,
    client_ip: str,
    language: str,
) -> dict[str, str]:
    """The parameters of the payment URL, before signing.

    ``vnp_CreateDate`` is the payment's creation, not this moment: refund and querydr must name
    it again as ``vnp_TransactionDate``, and the payment is all they are given."""
    params = {
        "vnp_Version": VERSION,
        "vnp_Command": "pay",
        "vnp_TmnCode": config["tmn_code"],
        "vnp_Amount": minor(payment.amount),
        "vnp_CurrCode": "VND",
        "vnp_TxnRef": payment.id,
        "vnp_OrderInfo": order_info(f"{payment.purpose.get(language)} {payment.id}"),
        "vnp_OrderType": config.get("order_type") or "other",
        "vnp_Locale": locale(language),
        "vnp_ReturnUrl": return_url,
        "vnp_IpAddr": client_ip,
        "vnp_CreateDate": stamp(payment.created_at),
        "vnp_ExpireDate": stamp(payment.expires_at),
    }
    if config.get("bank_code"):
        params["vnp_BankCode"] = config["bank_code"]
    return params


def refund_request(
    config: dict[str, Any],
    payment: PaymentInfo,
    amount: int,
    request_id: str,
    reason: str,
    create_by: str,
    server_ip: str,
    now: datetime,
) -> dict[str, str]:
    """A refund's JSON body, before signing."""
    whole = amount == payment.amount and payment.refunded == 0
    return {
        "vnp_RequestId": request_id,
        "vnp_Version": VERSION,
        "vnp_Command": "refund",
        "vnp_TmnCode": config["tmn_code"],
        "vnp_TransactionType": FULL_REFUND if whole else PARTIAL_REFUND,
        "vnp_TxnRef": payment.id,
        "vnp_Amount": minor(amount),
        "vnp_OrderInfo": order_info(f"Hoan tien {payment.id} {reason}"),
        "vnp_TransactionNo": payment.provider_ref or "",
        "vnp_TransactionDate": stamp(payment.created_at),
        "vnp_CreateBy": create_by,
        "vnp_CreateDate": stamp(now),
        "vnp_IpAddr": server_ip,
    }


def querydr_request(
    config: dict[str, Any], payment: PaymentInfo, request_id: str, server_ip: str, now: datetime
) -> dict[str, str]:
    """A querydr's JSON body, before signing."""
    return {
        "vnp_RequestId": request_id,
        "vnp_Version": VERSION,
        "vnp_Command": "querydr",
        "vnp_TmnCode": config["tmn_code"],
        "vnp_TxnRef": payment.id,
        "vnp_OrderInfo": order_info(f"Truy van {payment.id}"),
        "vnp_TransactionDate": stamp(payment.created_at),
        "vnp_CreateDate": stamp(now),
        "vnp_IpAddr": server_ip,
    }
