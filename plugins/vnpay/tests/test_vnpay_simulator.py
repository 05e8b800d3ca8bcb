"""The simulated gateway over real HTTP on loopback: it refuses what VNPay's page refuses, pays
and cancels through its bank page, notifies the IPN and retries as VNPay does, and answers the
merchant web API with signed messages."""

from __future__ import annotations

import json
import secrets
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
from sieuapp_vnpay import protocol
from sieuapp_vnpay.signing import (
    QUERYDR_REQUEST,
    QUERYDR_RESPONSE,
    REFUND_REQUEST,
    REFUND_RESPONSE,
    pipe_sign,
    pipe_verify,
    signed_query,
    verify,
)
from sieuapp_vnpay.simulator import Simulator

from .conftest import HASH_SECRET, TMN_CODE, gateway_config, payment, query_of

RETURN_URL = "https://hue.example.vn/m/vnpay/return?t=abc"


def pay_params(gateway: Simulator, **overrides: object) -> dict[str, str]:
    info = payment(**overrides)
    return protocol.pay_request(gateway_config(gateway), info, RETURN_URL, "203.113.1.2", "vi")


def open_page(gateway: Simulator, params: dict[str, str], secret: str = HASH_SECRET):
    return requests.get(f"{gateway.payment_url}?{signed_query(params, secret)}", timeout=5)


def error_code(response: requests.Response) -> str | None:
    parts = urlsplit(response.url)
    return dict(parse_qsl(parts.query)).get("code") if parts.path.endswith("Error.html") else None


def test_a_signed_payment_url_opens_the_bank_page(gateway):
    params = pay_params(gateway)
    page = open_page(gateway, params)
    assert page.status_code == 200
    assert error_code(page) is None
    assert "150.000 VND" in page.text
    assert "value='pay'" in page.text and "value='cancel'" in page.text
    kept = gateway.orders[params["vnp_TxnRef"]].params
    assert {k: v for k, v in kept.items() if k != "vnp_SecureHash"} == params


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"vnp_TmnCode": "OTHERTMN"}, "02"),
        ({"vnp_OrderInfo": "Lệ phí"}, "03"),
        ({"vnp_Amount": "400000"}, "03"),  # 4,000 đồng: below VNPay's minimum
        ({"vnp_Amount": "15000050"}, "03"),  # not whole đồng
        ({"vnp_Version": "2.0.1"}, "03"),
        ({"vnp_CurrCode": "USD"}, "03"),
        ({"vnp_Locale": "fr"}, "03"),
        ({"vnp_ExpireDate": ""}, "03"),
        ({"vnp_ExpireDate": "20200101000000"}, "11"),
    ],
)
def test_the_page_refuses_what_vnpay_refuses(gateway, change, code):
    page = open_page(gateway, {**pay_params(gateway), **change})
    assert error_code(page) == code
    assert code in page.text
    assert gateway.orders == {}


@pytest.mark.parametrize("name", ["vnp_Amount", "vnp_TxnRef", "vnp_ReturnUrl", "vnp_Locale"])
def test_a_parameter_changed_after_signing_is_refused_with_70(gateway, name):
    params = pay_params(gateway)
    signed = dict(parse_qsl(signed_query(params, HASH_SECRET)))
    signed[name] = {"vnp_Amount": "100000", "vnp_Locale": "en"}.get(name, params[name] + "0")
    page = requests.get(f"{gateway.payment_url}?{urlencode(signed)}", timeout=5)
    assert error_code(page) == "70"
    assert "Sai chữ ký" in page.text
    assert gateway.orders == {}


def test_a_url_signed_with_another_secret_is_refused_with_70(gateway):
    assert error_code(open_page(gateway, pay_params(gateway), "not-our-secret")) == "70"


def test_a_repeated_parameter_is_refused(gateway):
    query = signed_query(pay_params(gateway), HASH_SECRET) + "&vnp_Amount=100"
    assert error_code(requests.get(f"{gateway.payment_url}?{query}", timeout=5)) == "03"


def test_paying_through_the_bank_page_sends_the_browser_back_signed(gateway):
    params = pay_params(gateway)
    open_page(gateway, params)

    back = requests.post(
        gateway.base_url + "/paymentv2/complete",
        data={"txn_ref": params["vnp_TxnRef"], "action": "pay"},
        allow_redirects=False,
        timeout=5,
    )

    assert back.status_code == 303
    location = back.headers["Location"]
    assert location.startswith(RETURN_URL + "&")
    result = query_of(location)
    assert verify(result, HASH_SECRET)
    assert result["t"] == "abc"
    assert result["vnp_TxnRef"] == params["vnp_TxnRef"]
    assert result["vnp_Amount"] == "15000000"
    assert result["vnp_ResponseCode"] == result["vnp_TransactionStatus"] == "00"
    assert result["vnp_BankCode"] == "NCB"
    assert result["vnp_TransactionNo"].isdigit()
    assert result["vnp_BankTranNo"] == "VNP" + result["vnp_TransactionNo"]
    assert protocol.parse_stamp(result["vnp_PayDate"]) is not None


def test_canceling_sends_code_24_and_no_transaction(gateway):
    params = pay_params(gateway)
    open_page(gateway, params)
    result = query_of(gateway.cancel(params["vnp_TxnRef"]))
    assert verify(result, HASH_SECRET)
    assert (result["vnp_ResponseCode"], result["vnp_TransactionStatus"]) == ("24", "02")
    assert result["vnp_TransactionNo"] == "0"


def test_a_paid_order_cannot_be_paid_again_but_a_canceled_one_can(gateway):
    params = pay_params(gateway)
    open_page(gateway, params)
    gateway.cancel(params["vnp_TxnRef"])
    assert error_code(open_page(gateway, params)) is None
    gateway.pay(params["vnp_TxnRef"])
    assert error_code(open_page(gateway, params)) == "01"
    with pytest.raises(ValueError):
        gateway.pay(params["vnp_TxnRef"])
    with pytest.raises(LookupError):
        gateway.pay("PAYNEVEROPENED")


def ipn_gateway(canned, **options) -> Simulator:
    options.setdefault("ipn_retries", 3)
    options.setdefault("ipn_retry_interval", 0.02)
    return Simulator(TMN_CODE, HASH_SECRET, ipn_url=canned.url + "ipn", **options).start()


def test_the_ipn_carries_the_signed_result_and_stops_at_00(canned):
    canned.answers = [(200, {"RspCode": "00", "Message": "Confirm Success"})]
    gateway = ipn_gateway(canned)
    try:
        params = pay_params(gateway)
        open_page(gateway, params)
        location = gateway.pay(params["vnp_TxnRef"])
    finally:
        gateway.close()
    [call] = gateway.ipn_calls
    assert (call.attempt, call.rsp_code, call.http_status) == (1, "00", 200)
    [request] = canned.requests
    assert request["method"] == "GET"
    assert urlsplit(request["path"]).path == "/ipn"
    sent = query_of(request["path"])
    assert verify(sent, HASH_SECRET)
    # The browser gets the very same signed result.
    assert sent == {k: v for k, v in query_of(location).items() if k != "t"}


@pytest.mark.parametrize(
    ("answers", "codes"),
    [
        ([(200, {"RspCode": "02", "Message": "Order already confirmed"})], ["02"]),
        (
            [(200, {"RspCode": "99"}), (500, b"oops"), (200, {"RspCode": "00"})],
            ["99", None, "00"],
        ),
        ([(200, {"RspCode": "97"})], ["97", "97", "97", "97"]),  # the first call and 3 retries
        ([(200, b"<html>not json</html>")], [None, None, None, None]),
    ],
)
def test_the_ipn_is_retried_until_00_or_02(canned, answers, codes):
    canned.answers = answers
    gateway = ipn_gateway(canned)
    try:
        params = pay_params(gateway)
        open_page(gateway, params)
        gateway.pay(params["vnp_TxnRef"])
        calls = gateway.wait_for_ipn_calls(len(codes))
        # Give a wrong extra retry the time to happen before counting.
        calls = gateway.wait_for_ipn_calls(len(codes) + 1, timeout=0.2)
    finally:
        gateway.close()
    assert [c.rsp_code for c in calls] == codes
    assert [c.attempt for c in calls] == list(range(1, len(codes) + 1))
    assert len({r["path"] for r in canned.requests}) == 1  # the same signed call each time


def test_an_ipn_that_does_not_answer_in_time_is_retried(canned):
    canned.answers = ["sleep", (200, {"RspCode": "00"})]
    gateway = ipn_gateway(canned, ipn_timeout=0.2)
    try:
        params = pay_params(gateway)
        open_page(gateway, params)
        gateway.pay(params["vnp_TxnRef"])
        calls = gateway.wait_for_ipn_calls(2)
    finally:
        gateway.close()
    assert [c.rsp_code for c in calls] == [None, "00"]
    assert "Timeout" in calls[0].message


# -- the merchant web API --------------------------------------------------------------------


def api(gateway: Simulator, body: dict, fields, secret: str = HASH_SECRET) -> dict:
    signed = {**body, "vnp_SecureHash": pipe_sign(body, fields, secret)}
    response = requests.post(gateway.api_url, json=signed, timeout=5)
    assert response.status_code == 200
    return response.json()


def querydr(gateway: Simulator, txn_ref: str, transaction_date: str, **overrides) -> dict:
    body = {
        "vnp_RequestId": secrets.token_hex(8),
        "vnp_Version": "2.1.0",
        "vnp_Command": "querydr",
        "vnp_TmnCode": TMN_CODE,
        "vnp_TxnRef": txn_ref,
        "vnp_OrderInfo": "Truy van",
        "vnp_TransactionDate": transaction_date,
        "vnp_CreateDate": protocol.stamp(datetime.now(UTC)),
        "vnp_IpAddr": "127.0.0.1",
        **overrides,
    }
    return api(gateway, body, QUERYDR_REQUEST)


def refund(gateway: Simulator, params: dict, number: str, amount: str, kind: str) -> dict:
    body = {
        "vnp_RequestId": secrets.token_hex(8),
        "vnp_Version": "2.1.0",
        "vnp_Command": "refund",
        "vnp_TmnCode": TMN_CODE,
        "vnp_TransactionType": kind,
        "vnp_TxnRef": params["vnp_TxnRef"],
        "vnp_Amount": amount,
        "vnp_OrderInfo": "Hoan tien",
        "vnp_TransactionNo": number,
        "vnp_TransactionDate": params["vnp_CreateDate"],
        "vnp_CreateBy": "sieuapp",
        "vnp_CreateDate": protocol.stamp(datetime.now(UTC)),
        "vnp_IpAddr": "127.0.0.1",
    }
    return api(gateway, body, REFUND_REQUEST)


def paid(gateway: Simulator) -> tuple[dict[str, str], str]:
    params = pay_params(gateway)
    open_page(gateway, params)
    return params, query_of(gateway.pay(params["vnp_TxnRef"]))["vnp_TransactionNo"]


def test_querydr_reports_the_payment_signed(gateway):
    params, number = paid(gateway)
    answer = querydr(gateway, params["vnp_TxnRef"], params["vnp_CreateDate"])
    assert pipe_verify(answer, QUERYDR_RESPONSE, HASH_SECRET)
    assert answer["vnp_ResponseCode"] == "00"
    assert answer["vnp_TransactionNo"] == number
    assert answer["vnp_Amount"] == params["vnp_Amount"]
    assert (answer["vnp_TransactionType"], answer["vnp_TransactionStatus"]) == ("01", "00")


def test_querydr_refusals(gateway):
    params, _ = paid(gateway)
    ref, date = params["vnp_TxnRef"], params["vnp_CreateDate"]
    assert querydr(gateway, "PAYUNKNOWN", date)["vnp_ResponseCode"] == "91"
    # VNPay finds an order by its reference and the date the merchant created it.
    assert querydr(gateway, ref, "20200101000000")["vnp_ResponseCode"] == "91"
    assert querydr(gateway, ref, date, vnp_TmnCode="OTHERTMN")["vnp_ResponseCode"] == "02"
    assert querydr(gateway, ref, date, vnp_Version="2.0.0")["vnp_ResponseCode"] == "03"
    assert querydr(gateway, ref, date, vnp_RequestId="same")["vnp_ResponseCode"] == "00"
    assert querydr(gateway, ref, date, vnp_RequestId="same")["vnp_ResponseCode"] == "94"
    forged = {
        "vnp_RequestId": "x1",
        "vnp_Version": "2.1.0",
        "vnp_Command": "querydr",
        "vnp_TmnCode": TMN_CODE,
        "vnp_TxnRef": ref,
        "vnp_OrderInfo": "Truy van",
        "vnp_TransactionDate": date,
        "vnp_CreateDate": date,
        "vnp_IpAddr": "127.0.0.1",
    }
    assert api(gateway, forged, QUERYDR_REQUEST, "not-our-secret")["vnp_ResponseCode"] == "97"
    for answer in (querydr(gateway, "PAYUNKNOWN", date),):
        assert pipe_verify(answer, QUERYDR_RESPONSE, HASH_SECRET)


def test_refunds_in_full_or_in_parts_and_never_more(gateway):
    params, number = paid(gateway)
    # A full refund of part of the amount, or a partial one of all of it, is refused.
    assert refund(gateway, params, number, "5000000", "02")["vnp_ResponseCode"] == "03"
    assert refund(gateway, params, number, "15000000", "03")["vnp_ResponseCode"] == "03"

    first = refund(gateway, params, number, "5000000", "03")
    assert pipe_verify(first, REFUND_RESPONSE, HASH_SECRET)
    assert first["vnp_ResponseCode"] == "00"
    assert first["vnp_TransactionNo"] != number
    assert refund(gateway, params, number, "10000100", "03")["vnp_ResponseCode"] == "03"
    assert refund(gateway, params, number, "10000000", "03")["vnp_ResponseCode"] == "00"
    assert gateway.orders[params["vnp_TxnRef"]].transaction.refunded == 15000000
    assert refund(gateway, params, number, "100", "03")["vnp_ResponseCode"] == "03"


def test_refund_refusals(gateway):
    params, number = paid(gateway)
    assert refund(gateway, params, "999", "5000000", "03")["vnp_ResponseCode"] == "91"
    canceled = pay_params(gateway, id="PAY1111111111111111111")
    open_page(gateway, canceled)
    gateway.cancel(canceled["vnp_TxnRef"])
    assert refund(gateway, canceled, "0", "15000000", "02")["vnp_ResponseCode"] == "95"


def test_the_api_refuses_what_is_not_a_request(gateway):
    for body in (b"not json", b"[1, 2]", json.dumps({"vnp_Command": "pay"}).encode()):
        answer = requests.post(gateway.api_url, data=body, timeout=5).json()
        assert answer["vnp_ResponseCode"] == "03"


def test_expiry_is_checked_in_gmt7(gateway):
    # A payment that expires in two minutes: stamped in GMT+7, still open for the page.
    soon = datetime.now(UTC) + timedelta(minutes=2)
    params = pay_params(gateway, expires_at=soon)
    assert params["vnp_ExpireDate"] == (soon + timedelta(hours=7)).strftime("%Y%m%d%H%M%S")
    assert error_code(open_page(gateway, params)) is None


def test_the_command_line_serves_the_gateway():
    command = [
        sys.executable,
        "-m",
        "sieuapp_vnpay.simulator",
        "--port",
        "0",
        "--tmn-code",
        TMN_CODE,
        "--hash-secret",
        HASH_SECRET,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        lines = [process.stdout.readline() for _ in range(4)]
        payment_url = lines[1].split("payment_url:")[1].strip()
        info = payment()
        params = protocol.pay_request({"tmn_code": TMN_CODE}, info, RETURN_URL, "203.113.1.2", "vi")
        page = requests.get(f"{payment_url}?{signed_query(params, HASH_SECRET)}", timeout=5)
        assert page.status_code == 200 and "Error.html" not in page.url
        assert HASH_SECRET not in "".join(lines)
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
