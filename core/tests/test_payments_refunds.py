"""Refunds: reserved under the payment's lock, carried out by the provider after the commit,
posted as reversing transfers; never more than was paid, never twice for one key."""

from __future__ import annotations

import pytest
from sieuapp.core.db import utcnow
from sieuapp.core.payments import ledger
from sieuapp.core.tasks.models import OutboxMessage
from sqlalchemy import update

from .payments_support import buy, pay, plugin, shop_platform
from .reports_support import tenant_id


@pytest.fixture
def platform(make_platform, synthetic):
    return shop_platform(make_platform, synthetic)


@pytest.fixture
def paid(platform):
    citizen = platform.client("citizen")
    payment = buy(citizen, 200_000).get_json()
    assert pay(platform, citizen, payment["id"]).get_json()["outcome"] == "applied"
    platform.run_tasks()
    return payment["id"]


def balances(platform) -> dict[str, int]:
    with platform.context() as session:
        hue = tenant_id(session)
        assert ledger.imbalance(session, hue) == 0
        return {code: total for code, _, total in ledger.balances(session, hue)}


def test_staff_refund_in_parts_through_the_provider(platform, paid):
    staff = platform.client("partner_staff")
    url = f"/api/v1/payments/{paid}/refunds"
    first = staff.post(url, json={"amount": 50_000, "reason": "Khách hủy một vé"})
    assert first.status_code == 202, first.get_json()
    assert first.get_json()["status"] == "pending"
    platform.run_tasks()
    refunds = plugin("bankx").REFUNDS
    assert [(p, a) for p, a, _ in refunds] == [(paid, 50_000)]
    seen = staff.get(f"/api/v1/payments/{paid}").get_json()
    assert (seen["refunded"], seen["refundable"]) == (50_000, 150_000)
    assert seen["refunds"][0]["status"] == "succeeded"
    assert seen["refunds"][0]["provider_ref"].startswith("R-RFD")
    assert balances(platform)["clearing:bankx"] == 150_000
    assert balances(platform)["payee:mai-linh-hue"] == -150_000
    assert ("refunded", paid, 50_000) in plugin("shop").CALLS

    too_much = staff.post(url, json={"amount": 150_001, "reason": "Hoàn nốt"})
    assert too_much.status_code == 422
    assert "amount" in too_much.get_json()["errors"]
    rest = staff.post(url, json={"reason": "Hoàn nốt phần còn lại"})
    assert rest.get_json()["amount"] == 150_000
    platform.run_tasks()
    assert balances(platform)["clearing:bankx"] == 0
    assert balances(platform)["payee:mai-linh-hue"] == 0
    inbox = platform.client("citizen").get("/api/v1/me/notifications").get_json()
    assert [n["kind"] for n in inbox["notifications"]].count("payment.refunded") == 2


def test_a_pending_refund_reserves_its_amount(platform, paid):
    plugin("bankx").STATE["refunds"] = "crash"  # the first stays pending
    staff = platform.client("partner_staff")
    url = f"/api/v1/payments/{paid}/refunds"
    assert staff.post(url, json={"amount": 150_000, "reason": "Lần một"}).status_code == 202
    # Not carried out yet, but the second refund may not count on that money.
    second = staff.post(url, json={"amount": 100_000, "reason": "Lần hai"})
    assert second.status_code == 422
    assert "50000" in second.get_json()["errors"]["amount"][0]
    assert staff.get(f"/api/v1/payments/{paid}").get_json()["refunds"][0]["status"] == "pending"


def test_a_refund_the_provider_declines_moves_nothing(platform, paid):
    plugin("bankx").STATE["refunds"] = "no"
    staff = platform.client("partner_staff")
    staff.post(f"/api/v1/payments/{paid}/refunds", json={"reason": "Khiếu nại"})
    platform.run_tasks()
    seen = staff.get(f"/api/v1/payments/{paid}").get_json()
    assert seen["refunds"][0]["status"] == "failed"
    assert seen["refunded"] == 0
    assert balances(platform)["clearing:bankx"] == 200_000
    # The failed refund released its reservation.
    again = staff.post(f"/api/v1/payments/{paid}/refunds", json={"reason": "Thử lại"})
    assert again.status_code == 202


def test_a_provider_down_is_retried_not_lost(platform, paid):
    plugin("bankx").STATE["refunds"] = "crash"
    staff = platform.client("partner_staff")
    staff.post(f"/api/v1/payments/{paid}/refunds", json={"reason": "Khiếu nại"})
    platform.run_tasks()
    assert staff.get(f"/api/v1/payments/{paid}").get_json()["refunds"][0]["status"] == "pending"
    plugin("bankx").STATE["refunds"] = "ok"
    with platform.context() as session:
        # The retry's back-off, elapsed.
        session.execute(update(OutboxMessage).values(available_at=utcnow()))
    platform.run_tasks()
    seen = staff.get(f"/api/v1/payments/{paid}").get_json()
    assert seen["refunds"][0]["status"] == "succeeded"
    assert seen["refunded"] == 200_000


def test_refunds_are_for_the_payees_staff_and_the_province(platform, paid):
    url = f"/api/v1/payments/{paid}/refunds"
    body = {"reason": "Không được phép"}
    assert platform.client("citizen").post(url, json=body).status_code == 403
    # An official of another organization does not know the payment exists.
    assert platform.client("official").post(url, json=body).status_code == 404
    assert platform.client("province_admin").post(url, json=body).status_code == 202


def test_an_unpaid_payment_cannot_be_refunded(platform):
    payment = buy(platform.client("citizen"), 10_000).get_json()
    answer = platform.client("partner_staff").post(
        f"/api/v1/payments/{payment['id']}/refunds", json={"reason": "Chưa trả"}
    )
    assert answer.status_code == 409


def test_a_plugin_refunds_its_own_payment_once_per_key(platform, paid):
    citizen = platform.client("citizen")
    url = f"/m/shop/payments/{paid}/refund"
    headers = {"Idempotency-Key": "refund-1"}
    first = citizen.post(url, json={"amount": 20_000, "reason": "Đổi vé"}, headers=headers)
    again = citizen.post(url, json={"amount": 20_000, "reason": "Đổi vé"}, headers=headers)
    assert (first.status_code, again.status_code) == (202, 202)
    platform.run_tasks()
    assert len(plugin("bankx").REFUNDS) == 1
    other = citizen.post(url, json={"amount": 30_000, "reason": "Đổi vé"}, headers=headers)
    assert other.status_code == 422
    assert other.get_json()["code"] == "idempotency_key_reused"
