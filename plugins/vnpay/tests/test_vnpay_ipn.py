"""VNPay's IPN on a real platform: each RspCode, checked in the gateway's order (signature,
order, amount, not settled yet), and a notification that fails any check changes nothing."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import pytest
import sieuapp_vnpay.ipn
from sieuapp_vnpay.signing import signed_query

from .conftest import HASH_SECRET, open_at_gateway, query_of, start

IPN = "/m/vnpay/ipn"


@pytest.fixture
def started(admin_client, citizen_client, configured):
    payment = start(admin_client, citizen_client)
    open_at_gateway(payment)
    return payment


def paid_params(gateway, started) -> dict[str, str]:
    """What VNPay notifies once the payer paid (the simulator calls no IPN here: we do)."""
    return {k: v for k, v in query_of(gateway.pay(started.id)).items() if k != "t"}


def resigned(params: dict[str, str], **changes: str) -> dict[str, str]:
    """``params`` changed and signed again with our secret, as only VNPay could."""
    values = {k: v for k, v in params.items() if k != "vnp_SecureHash"}
    return query_of("?" + signed_query({**values, **changes}, HASH_SECRET))


def notify(client, params) -> dict:
    response = client.get(f"{IPN}?{urlencode(params)}")
    assert response.status_code == 200
    return response.get_json()


def seen(citizen_client, started) -> dict:
    return citizen_client.get(f"/api/v1/payments/{started.id}").get_json()


def test_a_paid_payment_is_confirmed_once(anonymous_client, citizen_client, configured, started):
    params = paid_params(configured, started)

    assert notify(anonymous_client, params) == {"RspCode": "00", "Message": "Confirm Success"}
    payment = seen(citizen_client, started)
    assert (payment["status"], payment["provider"]) == ("succeeded", "vnpay")
    assert payment["provider_ref"] == params["vnp_TransactionNo"]

    assert notify(anonymous_client, params) == {
        "RspCode": "02",
        "Message": "Order already confirmed",
    }
    assert seen(citizen_client, started) == payment


def test_a_payment_canceled_at_vnpay_fails(anonymous_client, citizen_client, configured, started):
    params = {k: v for k, v in query_of(configured.cancel(started.id)).items() if k != "t"}
    assert notify(anonymous_client, params)["RspCode"] == "00"
    payment = seen(citizen_client, started)
    assert payment["status"] == "failed"
    assert "24" in payment["status_reason"]


UNKNOWN = "PAY0000000000000000Z"


#: Whether the host compared the amount and kept the mismatch in the payment's history.
NOTED = ["amount_mismatch"]


@pytest.mark.parametrize(
    ("change", "code", "noted"),
    [
        # Changed after VNPay signed: whatever else is wrong, the signature is checked first.
        (lambda p: {**p, "vnp_Amount": "100"}, "97", []),
        (lambda p: {**p, "vnp_TxnRef": UNKNOWN}, "97", []),
        (lambda p: {**p, "vnp_TxnRef": UNKNOWN, "vnp_Amount": "100"}, "97", []),
        (lambda p: {**p, "vnp_TransactionNo": "1"}, "97", []),
        (lambda p: {**p, "vnp_SecureHash": p["vnp_SecureHash"][:-2]}, "97", []),
        (lambda p: {k: v for k, v in p.items() if k != "vnp_SecureHash"}, "97", []),
        (lambda p: {k: v for k, v in p.items() if k != "vnp_BankCode"}, "97", []),
        # Signed with our secret but for another terminal.
        (lambda p: resigned(p, vnp_TmnCode="OTHERTMN"), "97", []),
        # Signed: the order next, then the amount.
        (lambda p: resigned(p, vnp_TxnRef=UNKNOWN), "01", []),
        (lambda p: resigned(p, vnp_TxnRef=UNKNOWN, vnp_Amount="100"), "01", []),
        (lambda p: resigned(p, vnp_TxnRef=UNKNOWN, vnp_Amount="15000050"), "01", []),
        (lambda p: resigned(p, vnp_Amount="14000000"), "04", NOTED),
        # Not whole đồng: answered without asking the host to compare.
        (lambda p: resigned(p, vnp_Amount="15000050"), "04", []),
        (lambda p: resigned(p, vnp_Amount="abc"), "04", []),
    ],
)
def test_a_notification_failing_a_check_changes_nothing(
    anonymous_client, citizen_client, configured, started, change, code, noted
):
    params = paid_params(configured, started)
    before = seen(citizen_client, started)

    answer = notify(anonymous_client, change(params))

    assert answer["RspCode"] == code
    assert answer["Message"] == sieuapp_vnpay.protocol.IPN_MESSAGES[code]
    after = seen(citizen_client, started)
    assert {k: v for k, v in after.items() if k != "events"} == {
        k: v for k, v in before.items() if k != "events"
    }
    assert before["status"] == "processing"
    assert [e["kind"] for e in after["events"]] == [e["kind"] for e in before["events"]] + noted
    # VNPay's genuine notification still goes through afterwards.
    assert notify(anonymous_client, params)["RspCode"] == "00"


def test_a_cancellation_turned_into_a_success_is_refused(
    anonymous_client, citizen_client, configured, started
):
    canceled = {k: v for k, v in query_of(configured.cancel(started.id)).items() if k != "t"}
    forged = {**canceled, "vnp_ResponseCode": "00", "vnp_TransactionStatus": "00"}
    assert notify(anonymous_client, forged)["RspCode"] == "97"
    assert seen(citizen_client, started)["status"] == "processing"


def test_a_repeated_parameter_is_not_trusted(anonymous_client, configured, started):
    params = paid_params(configured, started)
    query = urlencode(params) + "&vnp_Amount=100"
    assert anonymous_client.get(f"{IPN}?{query}").get_json()["RspCode"] == "97"


def test_a_settled_payment_with_another_amount_is_an_amount_error(
    anonymous_client, configured, started
):
    params = paid_params(configured, started)
    assert notify(anonymous_client, params)["RspCode"] == "00"
    # The amount is checked before "already confirmed", as VNPay expects.
    assert notify(anonymous_client, resigned(params, vnp_Amount="100"))["RspCode"] == "04"


def test_a_payment_vnpay_was_never_asked_to_take_is_not_found(
    admin_client, anonymous_client, citizen_client, configured, started
):
    params = paid_params(configured, started)
    fresh = admin_client.post(
        "/api/v1/payments",
        json={
            "amount": 150_000,
            "purpose": {"vi": "Phí", "en": "Fee"},
            "payee": "ubnd-hue",
            "payer_id": citizen_client.get("/api/v1/me").get_json()["id"],
        },
    ).get_json()
    # A real payment of the province, validly signed, but not one sent to VNPay.
    assert notify(anonymous_client, resigned(params, vnp_TxnRef=fresh["id"]))["RspCode"] == "01"
    assert citizen_client.get(f"/api/v1/payments/{fresh['id']}").get_json()["status"] == (
        "requires_payment_method"
    )


def test_an_unexpected_failure_answers_99_and_keeps_nothing(
    anonymous_client, citizen_client, configured, started, monkeypatch
):
    params = paid_params(configured, started)
    # The payment is applied, then something breaks before the answer is chosen.
    monkeypatch.setattr(sieuapp_vnpay.ipn, "RSP_CODES", {})

    assert notify(anonymous_client, params) == {"RspCode": "99", "Message": "Unknown error"}
    assert seen(citizen_client, started)["status"] == "processing"

    monkeypatch.undo()
    assert notify(anonymous_client, params)["RspCode"] == "00"
    assert seen(citizen_client, started)["status"] == "succeeded"


def test_an_unconfigured_plugin_trusts_no_notification(
    anonymous_client, configure_plugin, configured, started
):
    params = paid_params(configured, started)
    assert configure_plugin({"tmn_code": None, "hash_secret": None}).status_code == 200
    assert notify(anonymous_client, params)["RspCode"] == "97"


def test_the_secret_is_never_logged(anonymous_client, configured, started, caplog):
    caplog.set_level(logging.DEBUG)
    params = paid_params(configured, started)
    for sent in (params, params, resigned(params, vnp_Amount="1"), {**params, "vnp_Amount": "1"}):
        notify(anonymous_client, sent)
    assert "answered" in caplog.text
    assert HASH_SECRET not in caplog.text
