"""A payer's payments in their data export; erasure keeps them, as accounting records, with the
law that requires it, and leaves the ledger as it was."""

from __future__ import annotations

import pytest
from sieuapp.core.payments import ledger

from .pages_helpers import PASSWORD, with_passwords
from .payments_support import buy, pay, shop_platform
from .reports_support import tenant_id


@pytest.fixture
def platform(make_platform, synthetic):
    return with_passwords(shop_platform(make_platform, synthetic))


@pytest.fixture
def paid(platform):
    citizen = platform.client("citizen")
    payment = buy(citizen, 64_000, vi="Vé xe buýt tháng", en="Monthly bus pass").get_json()
    pay(platform, citizen, payment["id"], ref="BX-300")
    platform.client("partner_staff").post(
        f"/api/v1/payments/{payment['id']}/refunds", json={"amount": 4_000, "reason": "Giảm giá"}
    )
    platform.run_tasks()
    return payment["id"]


def test_the_export_holds_the_payers_payments_and_refunds(platform, paid):
    data = platform.client("citizen").get("/api/v1/me/data").get_json()
    [payment] = data["payments"]
    assert payment["id"] == paid
    assert (payment["amount"], payment["status"], payment["refunded"]) == (
        64_000,
        "succeeded",
        4_000,
    )
    assert payment["purpose"] == {"vi": "Vé xe buýt tháng", "en": "Monthly bus pass"}
    assert (payment["payee"], payment["provider_ref"], payment["service"]) == (
        "mai-linh-hue",
        "BX-300",
        "shop",
    )
    assert [r["amount"] for r in payment["refunds"]] == [4_000]
    # Someone else's export has none of it.
    assert platform.client("official").get("/api/v1/me/data").get_json()["payments"] == []


def test_erasure_keeps_payments_with_the_accounting_law_and_the_ledger_untouched(platform, paid):
    with platform.context() as session:
        before = ledger.balances(session, tenant_id(session))
    answer = platform.client("citizen").post(
        "/api/v1/me/erasure", json={"password": PASSWORD, "confirm": "citizen"}
    )
    assert answer.status_code == 200, answer.get_json()
    kept = {k["category"]: k for k in answer.get_json()["kept"]}
    assert "Luật Kế toán" in kept["payments"]["reason"]["vi"]
    assert "Law on Accounting" in kept["payments"]["reason"]["en"]
    with platform.context() as session:
        assert ledger.balances(session, tenant_id(session)) == before
        assert ledger.imbalance(session, tenant_id(session)) == 0
    # The payee still sees the payment; nothing in it names the person any more.
    seen = platform.client("partner_staff").get(f"/api/v1/payments/{paid}").get_json()
    assert seen["status"] == "succeeded"
    receipt = platform.client("partner_staff").get(f"/api/v1/payments/{paid}/receipt")
    assert "Nguyễn Văn An" not in receipt.get_data(as_text=True)
