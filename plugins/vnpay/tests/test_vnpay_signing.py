"""VNPay's signatures: a test vector published with a public VNPay client library, VNPay's own
documented query string, and every way a tampered message must fail."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qsl

import pytest
from sieuapp_vnpay.signing import (
    QUERYDR_REQUEST,
    QUERYDR_RESPONSE,
    REFUND_REQUEST,
    REFUND_RESPONSE,
    hash_data,
    pipe_sign,
    pipe_verify,
    sign,
    signed_query,
    verify,
)

# The IPN/return vector of the `vnpay` npm library (github.com/lehuygiang28/vnpay), from
# test/verify-ipn-call.test.ts at commit 2925e99f0bf3d4d1a15cff103ba4e39b2effecee (the same
# values are DEFAULT_RETURN_QUERY_INPUT in test/__helpers__/test-fixtures.ts): its secret, its
# parameters, and the vnp_SecureHash its tests expect.
LIBRARY_SECRET = "test_secret"
LIBRARY_PARAMS = {
    "vnp_Amount": "1000000",
    "vnp_BankCode": "NCB",
    "vnp_BankTranNo": "VNP14422574",
    "vnp_CardType": "ATM",
    "vnp_OrderInfo": "Thanh toan don hang 2024-05-21T02:17:31.249Z",
    "vnp_PayDate": "20240521091806",
    "vnp_ResponseCode": "00",
    "vnp_TmnCode": "TEST_TMN_CODE",
    "vnp_TransactionNo": "14422574",
    "vnp_TransactionStatus": "00",
    "vnp_TxnRef": "1716257871703",
}
LIBRARY_HASH = (
    "649982421beb422556a1374713c74e58e716ecbd05007c0c0e1f7effdfaf361d"
    "bf146889ca446139afe11b9954c4d5c486e99e3b86fcfab6957f29eb0be72895"
)
# Same file, "should return a correct failed result": vnp_ResponseCode 99 and its hash.
LIBRARY_FAILED_HASH = (
    "503194f6d93b57b357b2d1d09742565e67e86d771352c5dca4fc8d39df3d392c"
    "6b3809add9405f97cfb9631f445e36c80656cfbf47eac67d97fa165865c13e1b"
)


def signed(params: dict[str, str], secure_hash: str = LIBRARY_HASH) -> dict[str, str]:
    return {**params, "vnp_SecureHash": secure_hash}


def test_the_library_vector():
    assert sign(LIBRARY_PARAMS, LIBRARY_SECRET) == LIBRARY_HASH
    assert verify(signed(LIBRARY_PARAMS), LIBRARY_SECRET)


def test_the_library_vector_of_a_failed_payment():
    failed = {**LIBRARY_PARAMS, "vnp_ResponseCode": "99"}
    assert sign(failed, LIBRARY_SECRET) == LIBRARY_FAILED_HASH
    assert verify(signed(failed, LIBRARY_FAILED_HASH), LIBRARY_SECRET)
    # The library's own negative case: the failed code under the successful payment's hash.
    assert not verify(signed(failed), LIBRARY_SECRET)


def test_vnpays_documented_query_string():
    # The payment URL of VNPay's integration guide
    # (sandbox.vnpayment.vn/apis/docs/huong-dan-tich-hop/), up to its vnp_SecureHash: sorted by
    # name, spaces as "+", ":" and "/" percent-encoded.
    documented = (
        "vnp_Amount=1806000&vnp_Command=pay&vnp_CreateDate=20210801153333&vnp_CurrCode=VND"
        "&vnp_IpAddr=127.0.0.1&vnp_Locale=vn&vnp_OrderInfo=Thanh+toan+don+hang+%3A5"
        "&vnp_OrderType=other&vnp_ReturnUrl=https%3A%2F%2Fdomainmerchant.vn%2FReturnUrl"
        "&vnp_TmnCode=DEMOV210&vnp_TxnRef=5&vnp_Version=2.1.0"
    )
    assert hash_data(dict(parse_qsl(documented))) == documented


def test_the_hash_is_read_in_any_case():
    assert verify(signed(LIBRARY_PARAMS, LIBRARY_HASH.upper()), LIBRARY_SECRET)


@pytest.mark.parametrize("name", sorted(LIBRARY_PARAMS))
def test_changing_any_parameter_breaks_the_signature(name):
    tampered = {**LIBRARY_PARAMS, name: LIBRARY_PARAMS[name] + "1"}
    assert not verify(signed(tampered), LIBRARY_SECRET)


@pytest.mark.parametrize("name", sorted(LIBRARY_PARAMS))
def test_dropping_any_parameter_breaks_the_signature(name):
    dropped = {k: v for k, v in LIBRARY_PARAMS.items() if k != name}
    assert not verify(signed(dropped), LIBRARY_SECRET)


def test_the_case_of_a_value_or_a_name_matters():
    lower = {**LIBRARY_PARAMS, "vnp_OrderInfo": LIBRARY_PARAMS["vnp_OrderInfo"].lower()}
    assert not verify(signed(lower), LIBRARY_SECRET)
    renamed = {k.replace("vnp_TxnRef", "vnp_txnref"): v for k, v in LIBRARY_PARAMS.items()}
    assert not verify(signed(renamed), LIBRARY_SECRET)


def test_the_signature_covers_the_decoded_values():
    # A space may travel as "+" or "%20": both are the same value. A literal "+" is not.
    base = "&".join(f"{k}={v}" for k, v in LIBRARY_PARAMS.items() if k != "vnp_OrderInfo")
    info = "Thanh{0}toan{0}don{0}hang{0}2024-05-21T02:17:31.249Z"
    for space, valid in (("+", True), ("%20", True), ("%2B", False), ("%2520", False)):
        query = f"{base}&vnp_OrderInfo={info.format(space)}&vnp_SecureHash={LIBRARY_HASH}"
        assert verify(dict(parse_qsl(query)), LIBRARY_SECRET) is valid, space


def test_an_added_vnp_parameter_breaks_it_and_others_are_not_signed():
    assert not verify(signed({**LIBRARY_PARAMS, "vnp_BankCode2": "X"}), LIBRARY_SECRET)
    # As in VNPay's samples: only vnp_ names are signed, and the hash type is not.
    extra = {**LIBRARY_PARAMS, "t": "anything", "vnp_SecureHashType": "HmacSHA512"}
    assert verify(signed(extra), LIBRARY_SECRET)


@pytest.mark.parametrize(
    "given", [None, "", "00", LIBRARY_HASH[:-1], "é" * 128, LIBRARY_HASH + "0"]
)
def test_a_missing_or_malformed_hash_is_refused(given):
    params = dict(LIBRARY_PARAMS)
    if given is not None:
        params["vnp_SecureHash"] = given
    assert not verify(params, LIBRARY_SECRET)


def test_another_secret_does_not_verify():
    assert not verify(signed(LIBRARY_PARAMS), "test_secret2")


def test_round_trip_through_a_url():
    params = {
        "vnp_OrderInfo": "Đà Nẵng & 100% ~*()!'+=?#/:",
        "vnp_ReturnUrl": "https://hue.example.vn/m/vnpay/return?t=a.b-c_d",
        "vnp_Amount": "15000000",
    }
    query = signed_query(params, "s3cret")
    parsed = dict(parse_qsl(query))
    assert verify(parsed, "s3cret")
    assert {k: v for k, v in parsed.items() if k != "vnp_SecureHash"} == params


def _hmac(secret: str, data: str) -> str:
    return hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()


REFUND = {
    "vnp_RequestId": "RFD0K3M7Q9T2W5Y8A1C4E",
    "vnp_Version": "2.1.0",
    "vnp_Command": "refund",
    "vnp_TmnCode": "SIEUAPP1",
    "vnp_TransactionType": "03",
    "vnp_TxnRef": "PAY0K3M7Q9T2W5Y8A1C4E",
    "vnp_Amount": "5000000",
    "vnp_OrderInfo": "Hoan tien PAY0K3M7Q9T2W5Y8A1C4E",
    "vnp_TransactionNo": "14422574",
    "vnp_TransactionDate": "20240521091806",
    "vnp_CreateBy": "sieuapp",
    "vnp_CreateDate": "20240522100000",
    "vnp_IpAddr": "10.0.0.5",
}


def test_a_refund_request_signs_its_values_in_vnpays_order():
    # Typed from VNPay's refund specification: RequestId|Version|Command|TmnCode|TransactionType|
    # TxnRef|Amount|TransactionNo|TransactionDate|CreateBy|CreateDate|IpAddr|OrderInfo.
    data = (
        "RFD0K3M7Q9T2W5Y8A1C4E|2.1.0|refund|SIEUAPP1|03|PAY0K3M7Q9T2W5Y8A1C4E|5000000|14422574"
        "|20240521091806|sieuapp|20240522100000|10.0.0.5|Hoan tien PAY0K3M7Q9T2W5Y8A1C4E"
    )
    assert pipe_sign(REFUND, REFUND_REQUEST, "s3cret") == _hmac("s3cret", data)


def test_a_querydr_request_signs_its_values_in_vnpays_order():
    query = {
        "vnp_RequestId": "a1b2",
        "vnp_Version": "2.1.0",
        "vnp_Command": "querydr",
        "vnp_TmnCode": "SIEUAPP1",
        "vnp_TxnRef": "PAY0K3M7Q9T2W5Y8A1C4E",
        "vnp_OrderInfo": "Truy van",
        "vnp_TransactionDate": "20240521091806",
        "vnp_CreateDate": "20240522100000",
        "vnp_IpAddr": "10.0.0.5",
    }
    data = (
        "a1b2|2.1.0|querydr|SIEUAPP1|PAY0K3M7Q9T2W5Y8A1C4E|20240521091806|20240522100000"
        "|10.0.0.5|Truy van"
    )
    assert pipe_sign(query, QUERYDR_REQUEST, "s3cret") == _hmac("s3cret", data)


def test_answers_sign_their_fields_missing_ones_empty():
    answer = {
        "vnp_ResponseId": "r1",
        "vnp_Command": "querydr",
        "vnp_ResponseCode": "00",
        "vnp_Message": "Success",
        "vnp_TmnCode": "SIEUAPP1",
        "vnp_TxnRef": "PAY1",
        "vnp_Amount": 1000000,  # VNPay may send numbers: they are signed as written
        "vnp_BankCode": "NCB",
        "vnp_PayDate": "20240521091806",
        "vnp_TransactionNo": "14422574",
        "vnp_TransactionType": "01",
        "vnp_TransactionStatus": "00",
        "vnp_OrderInfo": "x",
    }
    data = "r1|querydr|00|Success|SIEUAPP1|PAY1|1000000|NCB|20240521091806|14422574|01|00|x||"
    answer["vnp_SecureHash"] = _hmac("s3cret", data)
    assert pipe_verify(answer, QUERYDR_RESPONSE, "s3cret")
    # The refund answer's list stops before the promotion fields.
    assert not pipe_verify(answer, REFUND_RESPONSE, "s3cret")
    assert not pipe_verify({**answer, "vnp_ResponseCode": "01"}, QUERYDR_RESPONSE, "s3cret")
    assert not pipe_verify({**answer, "vnp_PromotionCode": "X"}, QUERYDR_RESPONSE, "s3cret")
