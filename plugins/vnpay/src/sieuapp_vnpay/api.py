"""VNPay's merchant web API (``POST <api_url>``, JSON): refunds and transaction queries, each
request and answer signed over its fields joined by ``|``."""

from __future__ import annotations

import hashlib
import re
import secrets
import socket
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from sieuapp.sdk import PaymentInfo, ProviderTransaction, RefundResult

from . import protocol
from .signing import (
    QUERYDR_REQUEST,
    QUERYDR_RESPONSE,
    REFUND_REQUEST,
    REFUND_RESPONSE,
    pipe_sign,
    pipe_verify,
)

DETAIL_LIMIT = 200
#: Who VNPay's records show asking for a refund.
CREATE_BY = "sieuapp"


class GatewayError(Exception):
    """VNPay could not be asked, or its answer cannot be trusted; the message is safe to log."""


def _scrub(text: str, config: dict[str, Any]) -> str:
    text = " ".join(text.split())
    secret = config.get("hash_secret") or ""
    if secret:
        text = text.replace(secret, "[secret]")
    return text[:DETAIL_LIMIT]


def server_ip(api_url: str) -> str:
    """The address this machine reaches VNPay from, which ``vnp_IpAddr`` asks for: a UDP
    socket "connected" to the API picks the route without sending anything."""
    parts = urlsplit(api_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect((parts.hostname or "127.0.0.1", port))
            return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"


def request_id(seed: str | None = None) -> str:
    """``vnp_RequestId`` (1-32 letters and digits, unique in the day): from ``seed`` when given,
    so the same refund asked twice is one request to VNPay, else random."""
    if seed is None:
        return secrets.token_hex(16)
    plain = re.sub(r"[^A-Za-z0-9]", "", seed)
    return plain if 0 < len(plain) <= 32 else hashlib.sha256(seed.encode()).hexdigest()[:32]


def call(
    session: requests.Session,
    config: dict[str, Any],
    body: dict[str, str],
    request_fields: Sequence[str],
    response_fields: Sequence[str],
) -> dict[str, Any]:
    """Sign ``body``, POST it, and return VNPay's answer once its signature holds.

    An answer without a signature is taken only as a refusal: nothing it claims happened."""
    secret = config["hash_secret"]
    signed = {**body, "vnp_SecureHash": pipe_sign(body, request_fields, secret)}
    try:
        response = session.post(
            config["api_url"],
            json=signed,
            headers={"Accept": "application/json"},
            timeout=float(config.get("timeout_seconds") or 10.0),
            # A redirect would send the signed request elsewhere.
            allow_redirects=False,
        )
    except requests.Timeout as exc:
        raise GatewayError("VNPay did not answer in time") from exc
    except requests.RequestException as exc:
        raise GatewayError(f"cannot reach VNPay: {type(exc).__name__}") from exc
    if response.status_code != 200:
        raise GatewayError(_scrub(f"HTTP {response.status_code}: {response.text}", config))
    try:
        answer = response.json()
    except ValueError as exc:
        raise GatewayError("VNPay's answer is not JSON") from exc
    if not isinstance(answer, dict):
        raise GatewayError("VNPay's answer is not a JSON object")
    code = str(answer.get("vnp_ResponseCode", ""))
    if "vnp_SecureHash" in answer:
        if not pipe_verify(answer, response_fields, secret):
            raise GatewayError(f"VNPay's answer ({code}) does not match our hash secret")
    elif code == "00":
        raise GatewayError("VNPay's answer claims success without a signature")
    return answer


def _describe(answer: dict[str, Any], config: dict[str, Any]) -> str:
    return _scrub(f"{answer.get('vnp_ResponseCode', '')}: {answer.get('vnp_Message', '')}", config)


def refund(
    session: requests.Session,
    config: dict[str, Any],
    payment: PaymentInfo,
    amount: int,
    refund_id: str,
    reason: str,
    now: datetime,
) -> RefundResult:
    """Ask VNPay to return ``amount`` of ``payment``: VNPay's answer, a refusal with its reason.
    When there is no answer to trust (no connection, a timeout, a 5xx, a forged or unsigned
    success) the outcome is unknown: ``GatewayError`` is raised, so that the host tries again
    later rather than record a refund as failed that VNPay may have made."""
    if not payment.provider_ref:
        return RefundResult(False, detail="the payment has no VNPay transaction number")
    body = protocol.refund_request(
        config,
        payment,
        amount,
        request_id(refund_id),
        reason,
        CREATE_BY,
        server_ip(config["api_url"]),
        now,
    )
    answer = call(session, config, body, REFUND_REQUEST, REFUND_RESPONSE)
    if str(answer.get("vnp_ResponseCode")) != "00":
        return RefundResult(False, detail=_describe(answer, config))
    return RefundResult(
        True,
        provider_ref=str(answer.get("vnp_TransactionNo") or ""),
        detail=_describe(answer, config),
    )


def query(
    session: requests.Session,
    config: dict[str, Any],
    payment: PaymentInfo,
    now: datetime,
    ip: str,
) -> list[ProviderTransaction]:
    """What VNPay recorded of ``payment``, asked from ``ip`` (``server_ip``): nothing when it
    holds no transaction for it (never paid at the bank, or canceled on its page). Raises
    ``GatewayError`` when it cannot say.

    querydr tells one state per order: the payment's, or once money went back, the refund's
    (type 02 or 03). VNPay refunds only what it took, so a refund state stands for the payment
    too, of the amount the signed payment URL asked."""
    body = protocol.querydr_request(config, payment, request_id(), ip, now)
    answer = call(session, config, body, QUERYDR_REQUEST, QUERYDR_RESPONSE)
    code = str(answer.get("vnp_ResponseCode"))
    if code == "91":
        return []
    if code != "00":
        raise GatewayError(_describe(answer, config))
    number = str(answer.get("vnp_TransactionNo") or "")
    if number in ("", "0"):
        return []
    if str(answer.get("vnp_TxnRef")) != payment.id:
        raise GatewayError(f"VNPay answered a query for {payment.id} about another order")
    amount = protocol.major(answer.get("vnp_Amount", ""))
    at = protocol.parse_stamp(str(answer.get("vnp_PayDate") or ""))
    if amount is None or at is None:
        raise GatewayError(f"VNPay's record of {payment.id} lacks a whole amount or a date")
    done = str(answer.get("vnp_TransactionStatus")) == "00"
    kind = str(answer.get("vnp_TransactionType"))
    if kind == protocol.PAYMENT:
        return [ProviderTransaction(payment.id, number, amount, "payment", done, at)]
    if kind not in (protocol.FULL_REFUND, protocol.PARTIAL_REFUND):
        raise GatewayError(f"VNPay reports a transaction of type {kind!r} for {payment.id}")
    taken = ProviderTransaction(
        payment.id,
        payment.provider_ref or "",
        payment.amount,
        "payment",
        True,
        payment.paid_at or at,
    )
    return [taken, ProviderTransaction(payment.id, number, amount, "refund", done, at)]
