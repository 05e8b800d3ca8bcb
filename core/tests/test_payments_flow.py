"""A payment from a plugin's request to the ledger: checkout, the provider's word, the hooks,
the payer's inbox, the receipt; and the provider's word checked in the gateway's order."""

from __future__ import annotations

import pytest
from sieuapp.core.payments import ledger
from sqlalchemy import text

from .payments_support import buy, grant, pay, plugin, shop_platform
from .reports_support import tenant_id


@pytest.fixture
def platform(make_platform, synthetic):
    return shop_platform(make_platform, synthetic)


def counts(platform) -> dict[str, int]:
    tables = ("payments", "ledger_entries", "ledger_transfers", "payment_refunds")
    with platform.runtime.engine.connect() as connection:
        return {
            t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables
        }


def test_a_plugin_asks_the_payer_pays_and_the_ledger_balances(platform):
    citizen = platform.client("citizen")
    made = buy(citizen, 150_000, metadata={"ticket": "B-12"})
    assert made.status_code == 201, made.get_json()
    payment = made.get_json()
    assert (payment["status"], payment["payee"], payment["plugin"]) == (
        "requires_payment_method",
        "mai-linh-hue",
        "shop",
    )
    started = citizen.post(f"/api/v1/payments/{payment['id']}/checkout", json={"provider": "bankx"})
    assert started.status_code == 200, started.get_json()
    assert started.get_json()["redirect_url"].startswith("https://bankx.test/pay?ref=")
    assert started.get_json()["payment"]["status"] == "processing"

    answer = platform.client(None).post(
        "/m/bankx/notify", json={"payment": payment["id"], "amount": 150_000, "ref": "BX-77"}
    )
    assert answer.get_json() == {"outcome": "applied", "status": "succeeded"}
    platform.run_tasks()
    assert ("succeeded", payment["id"], "succeeded") in plugin("shop").CALLS

    seen = citizen.get(f"/api/v1/payments/{payment['id']}").get_json()
    assert (seen["status"], seen["provider"], seen["provider_ref"]) == (
        "succeeded",
        "bankx",
        "BX-77",
    )
    assert seen["receipt"] == f"/api/v1/payments/{payment['id']}/receipt"
    assert [e["kind"] for e in seen["events"]] == ["created", "started", "succeeded"]
    with platform.context() as session:
        hue = tenant_id(session)
        assert ledger.balance(session, hue, "clearing:bankx") == 150_000
        assert ledger.balance(session, hue, "payee:mai-linh-hue") == -150_000
        assert ledger.balance(session, hue, f"payer:{platform.users['citizen'].id}") == 0
        assert ledger.imbalance(session, hue) == 0
    inbox = citizen.get("/api/v1/me/notifications").get_json()["notifications"]
    assert inbox[0]["kind"] == "payment.succeeded"
    assert inbox[0]["title"] == "Đã thanh toán 150.000 ₫"


def test_the_gateways_word_is_checked_in_its_order_and_applied_once(platform):
    citizen = platform.client("citizen")
    payment = buy(citizen, 90_000).get_json()
    gateway = platform.client(None)
    # Not sent to bankx yet: bankx was never asked to take it.
    early = gateway.post("/m/bankx/notify", json={"payment": payment["id"], "amount": 90_000})
    assert early.get_json()["outcome"] == "not_found"
    citizen.post(f"/api/v1/payments/{payment['id']}/checkout", json={"provider": "bankx"})
    unknown = gateway.post("/m/bankx/notify", json={"payment": "PAY0000000000000000", "amount": 1})
    assert unknown.get_json()["outcome"] == "not_found"
    wrong = gateway.post("/m/bankx/notify", json={"payment": payment["id"], "amount": 9_000})
    assert wrong.get_json() == {"outcome": "amount_mismatch", "status": "processing"}
    before = counts(platform)
    first = gateway.post("/m/bankx/notify", json={"payment": payment["id"], "amount": 90_000})
    assert first.get_json()["outcome"] == "applied"
    after = counts(platform)
    assert after["ledger_transfers"] == before["ledger_transfers"] + 2
    again = gateway.post("/m/bankx/notify", json={"payment": payment["id"], "amount": 90_000})
    assert again.get_json() == {"outcome": "already_settled", "status": "succeeded"}
    assert counts(platform) == after


def test_a_declined_payment_fails_and_tells_the_plugin(platform):
    citizen = platform.client("citizen")
    payment = buy(citizen, 20_000).get_json()
    answer = pay(platform, citizen, payment["id"], ok=False, detail="24: payer canceled")
    assert answer.get_json() == {"outcome": "applied", "status": "failed"}
    platform.run_tasks()
    assert ("failed", payment["id"], "failed") in plugin("shop").CALLS
    seen = citizen.get(f"/api/v1/payments/{payment['id']}").get_json()
    assert (seen["status"], seen["status_reason"], seen["receipt"]) == (
        "failed",
        "24: payer canceled",
        None,
    )
    assert counts(platform)["ledger_entries"] == 0
    late = platform.client(None).post(
        "/m/bankx/notify", json={"payment": payment["id"], "amount": 20_000, "ref": "BX-late"}
    )
    # Money the gateway says it took for a closed payment is not credited; reconciliation
    # shows it.
    assert late.get_json()["outcome"] == "already_settled"
    events = [
        e["kind"] for e in citizen.get(f"/api/v1/payments/{payment['id']}").get_json()["events"]
    ]
    assert events[-1] == "late_success"


def test_the_receipt_is_a_vietnamese_document_for_the_payer_only(platform):
    citizen = platform.client("citizen")
    payment = buy(citizen, 1_050_000, vi="Cước taxi Huế", en="Taxi fare").get_json()
    url = f"/api/v1/payments/{payment['id']}/receipt"
    assert citizen.get(url).status_code == 409  # not paid yet
    pay(platform, citizen, payment["id"], ref="BX-9")
    got = citizen.get(url)
    assert got.status_code == 200
    assert got.headers["Content-Disposition"] == (
        f'attachment; filename="bien-lai-{payment["id"]}.html"'
    )
    page = got.get_data(as_text=True)
    for expected in (
        "BIÊN LAI THANH TOÁN",
        "1.050.000 ₫",
        "Một triệu không trăm năm mươi nghìn đồng",
        "Cước taxi Huế",
        "Taxi Mai Linh Huế",
        "Nguyễn Văn An",
        "BX-9",
        "Ngân hàng X",
    ):
        assert expected in page
    english = citizen.get(url + "?lang=en").get_data(as_text=True)
    assert "PAYMENT RECEIPT" in english and "Taxi fare" in english
    # The payee's staff may print it; another citizen may not know it exists.
    assert platform.client("partner_staff").get(url).status_code == 200
    assert platform.client("official").get(url).status_code == 404
    assert platform.client(None).get(url).status_code == 401


def test_only_the_payer_pays_and_only_while_it_is_open(platform):
    citizen = platform.client("citizen")
    payment = buy(citizen, 10_000).get_json()
    url = f"/api/v1/payments/{payment['id']}/checkout"
    assert platform.client("official").post(url, json={"provider": "bankx"}).status_code == 404
    bad = citizen.post(url, json={"provider": "bitcoin"})
    assert bad.status_code == 422
    assert "provider" in bad.get_json()["errors"]
    away = citizen.post(url, json={"provider": "bankx", "return_url": "https://evil.example/"})
    assert away.status_code == 422
    assert "return_url" in away.get_json()["errors"]
    assert citizen.post(f"/api/v1/payments/{payment['id']}/cancel").status_code == 200
    closed = citizen.post(url, json={"provider": "bankx"})
    assert closed.status_code == 409
    assert counts(platform)["ledger_entries"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": 1_000_000_001}, "amount"),
        ({"amount": 5000, "payee": "no-such-org"}, "payee"),
        ({"amount": 5000, "vi": ""}, "purpose"),
        ({"amount": 5000, "metadata": {"blob": "x" * 5000}}, "metadata"),
    ],
)
def test_a_plugins_bad_request_names_the_field_and_writes_nothing(platform, body, field):
    before = counts(platform)
    answer = buy(platform.client("citizen"), **body)
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["errors"]
    assert counts(platform) == before


def test_a_plugin_bills_someone_else_only_if_they_let_it_in(platform):
    official = platform.client("official")
    someone = platform.users["citizen"].id
    before = counts(platform)
    refused = buy(official, 30_000, payer_id=someone)
    assert refused.status_code == 403
    assert counts(platform) == before
    grant(platform, "citizen", "shop")
    billed = buy(official, 30_000, payer_id=someone)
    assert billed.status_code == 201
    mine = platform.client("citizen").get("/api/v1/me/payments").get_json()
    assert [p["id"] for p in mine["payments"]] == [billed.get_json()["id"]]


def test_the_payer_lands_on_a_page_that_reads_the_payment_not_the_gateway(platform):
    citizen = platform.client("citizen")
    payment = buy(citizen, 45_000).get_json()
    started = citizen.post(
        f"/api/v1/payments/{payment['id']}/checkout", json={"provider": "bankx"}
    ).get_json()
    back = f"back=http://hue.sieuapp.test/payments/{payment['id']}/done"
    assert started["redirect_url"].endswith(back)
    browser = platform.client(None)
    page = browser.get(f"/payments/{payment['id']}/done?vnpay_result=succeeded")
    # Whatever the way back claims, the payment is not paid until the provider says so.
    assert page.status_code == 200
    assert "Đang chờ xác nhận" in page.get_data(as_text=True)
    assert "45.000 ₫" in page.get_data(as_text=True)
    platform.client(None).post("/m/bankx/notify", json={"payment": payment["id"], "amount": 45_000})
    english = browser.get(f"/payments/{payment['id']}/done?lang=en").get_data(as_text=True)
    assert "Payment succeeded" in english
    assert browser.get("/payments/PAY0000000000000000Z/done").status_code == 404
    assert browser.get("/payments/../done").status_code == 404


def test_a_providers_fee_is_the_platforms_cost_not_the_payees(platform):
    citizen = platform.client("citizen")
    payment = buy(citizen, 200_000).get_json()
    answer = pay(platform, citizen, payment["id"], fee=2_200)
    assert answer.get_json()["outcome"] == "applied"
    seen = citizen.get(f"/api/v1/payments/{payment['id']}").get_json()
    assert seen["fee"] == 2_200
    with platform.context() as session:
        hue = tenant_id(session)
        # The payee is owed the whole amount; the provider holds it less its fee.
        assert ledger.balance(session, hue, "payee:mai-linh-hue") == -200_000
        assert ledger.balance(session, hue, "clearing:bankx") == 197_800
        assert ledger.balance(session, hue, "fees:bankx") == 2_200
        assert ledger.imbalance(session, hue) == 0


@pytest.mark.parametrize("fee", [-1, 50_000, "100"])
def test_a_fee_that_cannot_be_is_the_provider_plugins_bug(platform, fee):
    citizen = platform.client("citizen")
    payment = buy(citizen, 50_000).get_json()
    before = counts(platform)
    answer = pay(platform, citizen, payment["id"], fee=fee)
    assert answer.status_code == 500
    assert counts(platform) == before
    seen = citizen.get(f"/api/v1/payments/{payment['id']}").get_json()
    assert seen["status"] == "processing"
