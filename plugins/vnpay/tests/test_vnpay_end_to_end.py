"""The whole path over real HTTP, driven through the platform's APIs alone: the province asks a
citizen to pay, the citizen picks VNPay and pays on the simulated gateway's page, the gateway
notifies the platform's IPN on loopback, the browser comes back; later the province refunds
through VNPay and reconciles its ledger against VNPay's own record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import requests

from .conftest import gateway_config, open_at_gateway, start


def choose(gateway, started, action: str) -> str:
    """The payer presses "Pay" or "Cancel" on the bank page; where the browser goes next."""
    answer = requests.post(
        f"{gateway.base_url}/paymentv2/complete",
        data={"txn_ref": started.id, "action": action},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 303
    return answer.headers["Location"]


def come_back(client, location: str):
    parts = urlsplit(location)
    return client.get(f"{parts.path}?{parts.query}")


def payment_of(client, started) -> dict:
    return client.get(f"/api/v1/payments/{started.id}").get_json()


def test_a_citizen_pays_with_vnpay(admin_client, citizen_client, live_gateway):
    started = start(admin_client, citizen_client)
    assert "150.000 VND" in open_at_gateway(started).text

    location = choose(live_gateway, started, "pay")

    # The gateway told the platform, over HTTP, before sending the payer back.
    [call] = live_gateway.ipn_calls
    assert (call.txn_ref, call.rsp_code, call.message) == (started.id, "00", "Confirm Success")
    payment = payment_of(citizen_client, started)
    assert (payment["status"], payment["provider"]) == ("succeeded", "vnpay")
    assert payment["provider_ref"] == live_gateway.orders[started.id].transaction.number
    assert [e["kind"] for e in payment["events"]] == ["created", "started", "succeeded"]
    came_back = come_back(citizen_client, location)
    assert came_back.status_code == 303
    assert came_back.headers["Location"] == "/app/payments/done?vnpay_result=succeeded"
    inbox = citizen_client.get("/api/v1/me/notifications").get_json()["notifications"]
    assert inbox[0]["kind"] == "payment.succeeded"


def test_a_repeated_or_tampered_notification_changes_nothing(
    admin_client, citizen_client, live_gateway, app_url
):
    started = start(admin_client, citizen_client)
    open_at_gateway(started)
    choose(live_gateway, started, "pay")
    settled = payment_of(citizen_client, started)
    ipn = f"{app_url}/m/vnpay/ipn?"
    query = live_gateway.ipn_query(started.id)

    again = requests.get(ipn + query, timeout=10).json()
    tampered = query.replace("vnp_Amount=15000000", "vnp_Amount=100")
    forged = requests.get(ipn + tampered, timeout=10).json()

    assert again == {"RspCode": "02", "Message": "Order already confirmed"}
    assert forged == {"RspCode": "97", "Message": "Invalid Checksum"}
    assert payment_of(citizen_client, started) == settled


def test_a_citizen_who_cancels_at_the_bank(admin_client, citizen_client, live_gateway):
    started = start(admin_client, citizen_client)
    open_at_gateway(started)

    location = choose(live_gateway, started, "cancel")

    assert [c.rsp_code for c in live_gateway.ipn_calls] == ["00"]
    assert payment_of(citizen_client, started)["status"] == "failed"
    assert come_back(citizen_client, location).headers["Location"].endswith("vnpay_result=canceled")


def test_a_notification_the_platform_missed_is_retried_until_confirmed(
    admin_client, citizen_client, live_gateway
):
    started = start(admin_client, citizen_client)
    open_at_gateway(started)
    live_gateway.ipn_retries, live_gateway.ipn_retry_interval = 5, 0.5
    # The module is off when VNPay first calls: the platform answers 404, not a RspCode.
    assert admin_client.post("/api/v1/admin/plugins/vnpay/disable").status_code == 200

    live_gateway.pay(started.id)
    assert admin_client.post("/api/v1/admin/plugins/vnpay/enable").status_code == 200
    calls = live_gateway.wait_for_ipn_calls(2)

    assert (calls[0].rsp_code, calls[0].http_status) == (None, 404)
    assert calls[-1].rsp_code == "00"
    assert payment_of(citizen_client, started)["status"] == "succeeded"


def test_a_refund_goes_back_through_vnpay_and_the_books_agree(
    sieuapp_platform, admin_client, citizen_client, live_gateway
):
    started = start(admin_client, citizen_client)
    open_at_gateway(started)
    choose(live_gateway, started, "pay")

    asked = admin_client.post(
        f"/api/v1/payments/{started.id}/refunds",
        json={"amount": 50_000, "reason": "Hồ sơ trả lại"},
        headers={"Idempotency-Key": "refund-1"},
    )
    assert asked.status_code == 202, asked.get_json()
    sieuapp_platform.run_tasks()

    payment = payment_of(citizen_client, started)
    [refund] = payment["refunds"]
    assert refund["status"] == "succeeded"
    [returned] = live_gateway.orders[started.id].transaction.refunds
    assert refund["provider_ref"] == returned.number
    assert (returned.amount, returned.kind) == (5_000_000, "03")
    assert (payment["refunded"], payment["refundable"]) == (50_000, 100_000)
    [sent] = [r for r in live_gateway.api_requests if r["vnp_Command"] == "refund"]
    assert (sent["vnp_TxnRef"], sent["vnp_Amount"]) == (started.id, "5000000")

    now = datetime.now(UTC)
    books = admin_client.get(
        "/api/v1/payments/reconciliation",
        query_string={
            "provider": "vnpay",
            "from": (now - timedelta(hours=1)).isoformat(),
            "to": (now + timedelta(hours=1)).isoformat(),
        },
    )
    assert books.status_code == 200, books.get_json()
    report = books.get_json()
    assert (report["payments"], report["matched"], report["difference"]) == (1, 1, 0)
    assert report["totals"] == {
        "ledger_captured": 150_000,
        "provider_captured": 150_000,
        "ledger_refunded": 50_000,
        "provider_refunded": 50_000,
    }


def test_vnpays_fee_is_booked_as_the_platforms_cost(
    admin_client, citizen_client, live_gateway, configure_plugin
):
    config = gateway_config(live_gateway, fee_percent=1.1)
    assert configure_plugin(config).status_code == 200
    started = start(admin_client, citizen_client, amount=150_000)
    open_at_gateway(started)
    choose(live_gateway, started, "pay")
    assert payment_of(citizen_client, started)["fee"] == 1_650
    accounts = admin_client.get("/api/v1/ledger/accounts").get_json()
    balances = {a["code"]: a["balance"] for a in accounts["accounts"]}
    assert accounts["imbalance"] == 0
    assert balances["fees:vnpay"] == 1_650
    assert balances["clearing:vnpay"] == 150_000 - 1_650
    assert balances["payee:ubnd-hue"] == -150_000
