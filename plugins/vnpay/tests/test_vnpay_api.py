"""Refunds and transaction queries through VNPay's merchant web API: against the simulator for
what VNPay does, and against a server answering what a test chooses for what can go wrong."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from sieuapp_vnpay import api, protocol
from sieuapp_vnpay.signing import QUERYDR_RESPONSE, REFUND_RESPONSE, pipe_sign, signed_query
from sieuapp_vnpay.simulator import Simulator

from .conftest import HASH_SECRET, TMN_CODE, gateway_config, payment, query_of


def paid_payment(gateway: Simulator, **overrides: Any):
    """A payment opened on the simulator's page and paid there, as the host then knows it."""
    info = payment(**overrides)
    config = gateway_config(gateway)
    params = protocol.pay_request(config, info, "https://hue.example.vn/back", "1.2.3.4", "vi")
    requests.get(f"{gateway.payment_url}?{signed_query(params, HASH_SECRET)}", timeout=5)
    number = query_of(gateway.pay(info.id))["vnp_TransactionNo"]
    # The same payment as it was opened: its creation time is VNPay's vnp_CreateDate.
    return replace(info, status="succeeded", provider_ref=number)


def refund(config: dict, info, amount: int, refund_id: str = "RFD0000000000000000001"):
    with requests.Session() as session:
        return api.refund(session, config, info, amount, refund_id, "Hủy hồ sơ", datetime.now(UTC))


def query(config: dict, info):
    with requests.Session() as session:
        return api.query(session, config, info, datetime.now(UTC), "10.0.0.5")


def test_a_full_refund(gateway):
    info = paid_payment(gateway)
    result = refund(gateway_config(gateway), info, info.amount)
    assert result.succeeded, result.detail
    [sent] = [r for r in gateway.api_requests if r.get("vnp_Command") == "refund"]
    assert sent["vnp_TransactionType"] == "02"
    assert sent["vnp_Amount"] == "15000000"
    assert sent["vnp_TransactionNo"] == info.provider_ref
    assert sent["vnp_TransactionDate"] == protocol.stamp(info.created_at)
    assert sent["vnp_RequestId"] == "RFD0000000000000000001"
    # The address VNPay sees us call from: loopback, where the simulator listens.
    assert sent["vnp_IpAddr"] == "127.0.0.1"
    assert sent["vnp_OrderInfo"].startswith(f"Hoan tien {info.id} Huy ho so")
    [refunded] = gateway.orders[info.id].transaction.refunds
    assert result.provider_ref == refunded.number
    assert refunded.amount == 15000000


def test_partial_refunds_then_one_too_many(gateway):
    info = paid_payment(gateway)
    config = gateway_config(gateway)
    first = refund(config, info, 50_000, "RFD1")
    assert first.succeeded
    after = payment(**{**info.__dict__, "refunded": 50_000})
    # All that is left, but the payment was touched: a partial refund (03).
    rest = refund(config, after, 100_000, "RFD2")
    assert rest.succeeded
    types = [r["vnp_TransactionType"] for r in gateway.api_requests]
    assert types == ["03", "03"]
    again = refund(config, payment(**{**info.__dict__, "refunded": 150_000}), 1_000, "RFD3")
    assert not again.succeeded
    assert again.detail.startswith("03")


def test_the_same_refund_asked_twice_is_one_request_to_vnpay(gateway):
    info = paid_payment(gateway)
    config = gateway_config(gateway)
    assert refund(config, info, 10_000, "RFD-7").succeeded
    second = refund(config, info, 10_000, "RFD-7")
    assert not second.succeeded
    assert second.detail.startswith("94")
    assert len(gateway.orders[info.id].transaction.refunds) == 1


def test_a_payment_vnpay_did_not_take_is_not_refunded(gateway):
    result = refund(gateway_config(gateway), payment(provider_ref="14000099"), 10_000)
    assert not result.succeeded
    assert result.detail.startswith("91")
    no_number = refund(gateway_config(gateway), payment(), 10_000)
    assert not no_number.succeeded
    assert "transaction number" in no_number.detail
    assert len(gateway.api_requests) == 1  # the second was never sent


def answer(code: str = "00", secret: str = HASH_SECRET, **values: Any) -> dict[str, Any]:
    body = {
        "vnp_ResponseId": "r1",
        "vnp_Command": "refund",
        "vnp_ResponseCode": code,
        "vnp_Message": "Success" if code == "00" else "Failed",
        "vnp_TmnCode": TMN_CODE,
        "vnp_TxnRef": payment().id,
        "vnp_Amount": "1000000",
        "vnp_TransactionNo": "14000002",
        **values,
    }
    body["vnp_SecureHash"] = pipe_sign(body, REFUND_RESPONSE, secret)
    return body


def canned_config(canned, **overrides: Any) -> dict[str, Any]:
    return {
        "tmn_code": TMN_CODE,
        "hash_secret": HASH_SECRET,
        "api_url": canned.url + "merchant_webapi/api/transaction",
        "timeout_seconds": 5,
        **overrides,
    }


@pytest.mark.parametrize(
    ("reply", "detail"),
    [
        ((200, answer(secret="not-our-secret")), "does not match our hash secret"),
        ((200, {**answer(), "vnp_Amount": "99900000"}), "does not match our hash secret"),
        ((200, {k: v for k, v in answer().items() if k != "vnp_SecureHash"}), "without a sig"),
        ((200, b"<html>maintenance</html>"), "not JSON"),
        ((200, [answer()]), "not a JSON object"),
        ((500, {"error": "internal"}), "HTTP 500"),
        ((503, b"busy"), "HTTP 503"),
        ((302, b""), "HTTP 302"),
    ],
)
def test_an_answer_that_cannot_be_trusted_leaves_the_refund_unknown(canned, reply, detail):
    canned.answers = [reply]
    with pytest.raises(api.GatewayError) as raised:
        refund(canned_config(canned), payment(provider_ref="14000001"), 10_000)
    assert detail in str(raised.value)
    [request] = canned.requests
    body = json.loads(request["body"])
    assert body["vnp_Command"] == "refund"
    assert "vnp_SecureHash" in body


def test_a_signed_answer_is_trusted(canned):
    canned.answers = [(200, answer())]
    result = refund(canned_config(canned), payment(provider_ref="14000001"), 10_000)
    assert result == type(result)(True, provider_ref="14000002", detail="00: Success")


def test_an_unsigned_refusal_is_a_refusal(canned):
    body = {"vnp_ResponseCode": "97", "vnp_Message": "Invalid Checksum"}
    canned.answers = [(200, body)]
    result = refund(canned_config(canned), payment(provider_ref="14000001"), 10_000)
    assert not result.succeeded
    assert result.detail == "97: Invalid Checksum"


def test_no_answer_in_time_or_no_gateway_leaves_the_refund_to_be_tried_again(canned):
    # The outcome is unknown: raising makes the host keep the refund pending and retry it.
    canned.answers = ["sleep"]
    with pytest.raises(api.GatewayError, match="did not answer in time"):
        refund(canned_config(canned, timeout_seconds=0.2), payment(provider_ref="1"), 10_000)
    with pytest.raises(api.GatewayError, match="cannot reach VNPay"):
        refund(
            canned_config(canned, api_url="http://127.0.0.1:9/api"), payment(provider_ref="1"), 1
        )


def test_the_secret_never_shows_in_a_detail(canned):
    canned.answers = [(500, f"bad hash {HASH_SECRET}".encode())]
    with pytest.raises(api.GatewayError) as raised:
        refund(canned_config(canned), payment(provider_ref="14000001"), 10_000)
    # The error reaches the host's failure log and the outbox's: the secret must not.
    assert HASH_SECRET not in str(raised.value)
    assert "[secret]" in str(raised.value)


def test_querydr_reports_a_paid_payment(gateway):
    info = paid_payment(gateway)
    [transaction] = query(gateway_config(gateway), info)
    assert transaction.payment_id == info.id
    assert transaction.provider_ref == info.provider_ref
    assert (transaction.amount, transaction.kind, transaction.succeeded) == (
        150_000,
        "payment",
        True,
    )
    paid_at = gateway.orders[info.id].transaction.pay_date
    assert protocol.stamp(transaction.at) == paid_at
    assert transaction.at.utcoffset().total_seconds() == 0
    [sent] = gateway.api_requests
    assert sent["vnp_TransactionDate"] == protocol.stamp(info.created_at)
    assert sent["vnp_IpAddr"] == "10.0.0.5"
    assert len(sent["vnp_RequestId"]) == 32


def test_querydr_of_a_refunded_payment_reports_the_payment_and_the_refunds(gateway):
    info = paid_payment(gateway)
    config = gateway_config(gateway)
    paid_at = datetime(2025, 5, 21, 2, 18, tzinfo=UTC)
    assert refund(config, info, 20_000, "RFD1").succeeded
    assert refund(
        config, payment(**{**info.__dict__, "refunded": 20_000}), 30_000, "RFD2"
    ).succeeded
    refunds = gateway.orders[info.id].transaction.refunds

    taken, back = query(config, payment(**{**info.__dict__, "paid_at": paid_at}))

    assert (taken.kind, taken.amount, taken.provider_ref) == ("payment", 150_000, info.provider_ref)
    assert taken.succeeded and taken.at == paid_at
    assert (back.kind, back.amount, back.provider_ref) == ("refund", 50_000, refunds[-1].number)
    assert back.succeeded


def test_querydr_knows_nothing_of_unpaid_or_unknown_payments(gateway):
    config = gateway_config(gateway)
    assert query(config, payment(id="PAYNEVERSEEN000000000")) == []
    info = payment(id="PAY2222222222222222222")
    params = protocol.pay_request(config, info, "https://hue.example.vn/back", "1.2.3.4", "vi")
    requests.get(f"{gateway.payment_url}?{signed_query(params, HASH_SECRET)}", timeout=5)
    assert query(config, info) == []  # opened, not paid
    gateway.cancel(info.id)
    assert query(config, info) == []  # canceled: VNPay's transaction 0


def test_querydr_raises_when_vnpay_cannot_say(canned):
    # Reconciliation must not read "VNPay cannot be asked" as "VNPay knows nothing".
    config = canned_config(canned)
    for reply in [(503, b"busy"), (200, answer(secret="not-our-secret")), (200, answer("99"))]:
        canned.answers = [reply]
        with pytest.raises(api.GatewayError):
            query(config, payment())


def test_querydr_about_another_order_is_not_believed(canned):
    other = answer(
        vnp_Command="querydr", vnp_TxnRef="PAYSOMETHINGELSE00000", vnp_PayDate="20240521091806"
    )
    other["vnp_SecureHash"] = pipe_sign(other, QUERYDR_RESPONSE, HASH_SECRET)
    canned.answers = [(200, other)]
    with pytest.raises(api.GatewayError, match="another order"):
        query(canned_config(canned), payment())


@pytest.mark.parametrize(
    ("seed", "expected"),
    [
        ("RFD0K3M7Q9T2W5Y8A1C4E", "RFD0K3M7Q9T2W5Y8A1C4E"),
        ("rfd_12-34", "rfd1234"),
    ],
)
def test_request_ids_follow_the_refund(seed, expected):
    assert api.request_id(seed) == expected


def test_long_or_empty_seeds_and_random_ids_are_32_letters_and_digits():
    for value in (api.request_id("x" * 40), api.request_id("___"), api.request_id()):
        assert len(value) == 32 and value.isalnum()
    assert api.request_id() != api.request_id()
