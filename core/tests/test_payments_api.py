"""The payments API for a payee's staff and the province: fees asked at the counter, the
Idempotency-Key, the ledger, reconciliation and expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sieuapp.core.db import utcnow
from sieuapp.core.payments.intents import expire_due
from sieuapp.core.payments.models import IdempotencyKey
from sqlalchemy import text, update

from .payments_support import buy, pay, plugin, shop_platform

FEE = {
    "amount": 35_000,
    "purpose": {"vi": "Lệ phí cấp giấy phép xây dựng", "en": "Building permit fee"},
    "payee": "so-xay-dung",
}


@pytest.fixture
def platform(make_platform, synthetic):
    return shop_platform(make_platform, synthetic)


def count(platform, table: str) -> int:
    with platform.runtime.engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_an_official_asks_a_fee_and_takes_it_at_the_counter(platform):
    official = platform.client("official")
    citizen_id = platform.users["citizen"].id
    made = official.post("/api/v1/payments", json={**FEE, "payer_id": citizen_id})
    assert made.status_code == 201, made.get_json()
    payment = made.get_json()
    assert (payment["plugin"], payment["payee"]["code"], payment["amount_text"]) == (
        None,
        "so-xay-dung",
        "35.000 ₫",
    )
    citizen = platform.client("citizen")
    checkout = citizen.post(
        f"/api/v1/payments/{payment['id']}/checkout", json={"provider": "counter"}
    ).get_json()
    assert payment["id"] in checkout["instructions"]
    wrong = official.post(f"/api/v1/payments/{payment['id']}/counter", json={"amount": 3_500})
    assert wrong.status_code == 422 and "amount" in wrong.get_json()["errors"]
    taken = official.post(
        f"/api/v1/payments/{payment['id']}/counter",
        json={"amount": 35_000, "receipt_number": "BL-0001"},
    )
    assert taken.status_code == 200, taken.get_json()
    assert (taken.get_json()["status"], taken.get_json()["provider"]) == ("succeeded", "counter")
    ledger = platform.client("province_admin").get("/api/v1/ledger/accounts").get_json()
    assert ledger["imbalance"] == 0
    balances = {a["code"]: a["balance"] for a in ledger["accounts"]}
    assert balances["clearing:counter"] == 35_000
    assert balances["payee:so-xay-dung"] == -35_000
    entries = (
        platform.client("province_admin")
        .get("/api/v1/ledger/accounts/payee:so-xay-dung")
        .get_json()
    )
    assert [e["amount"] for e in entries["entries"]] == [-35_000]
    assert entries["entries"][0]["transfer"] == f"{payment['id']}:pay"
    # A counter payment is refunded across the counter at once.
    back = official.post(
        f"/api/v1/payments/{payment['id']}/refunds", json={"reason": "Hồ sơ bị trả lại"}
    )
    assert back.get_json()["status"] == "succeeded"


def test_a_walk_in_payer_needs_no_account(platform):
    official = platform.client("official")
    payment = official.post("/api/v1/payments", json=FEE).get_json()
    assert payment["payer_id"] is None
    taken = official.post(f"/api/v1/payments/{payment['id']}/counter", json={"amount": 35_000})
    assert taken.get_json()["status"] == "succeeded"
    balances = {
        a["code"]: a["balance"]
        for a in platform.client("province_admin")
        .get("/api/v1/ledger/accounts")
        .get_json()["accounts"]
    }
    assert balances["payer:walk-in"] == 0


def test_staff_ask_only_for_their_own_organization(platform):
    partner = platform.client("partner_staff")
    assert partner.post("/api/v1/payments", json=FEE).status_code == 403
    assert platform.client("citizen").post("/api/v1/payments", json=FEE).status_code == 403
    assert count(platform, "payments") == 0
    admin = platform.client("province_admin")
    assert admin.post("/api/v1/payments", json=FEE).status_code == 201
    # Each sees the payments to their own organizations.
    assert platform.client("official").get("/api/v1/payments").get_json()["total"] == 1
    assert partner.get("/api/v1/payments").get_json()["total"] == 0
    by_payee = admin.get("/api/v1/payments", query_string={"payee": "so-xay-dung"}).get_json()
    assert by_payee["total"] == 1
    other = admin.get("/api/v1/payments", query_string={"payee": "huewaco"}).get_json()
    assert other["total"] == 0
    assert admin.get("/api/v1/ledger/accounts").status_code == 200
    assert partner.get("/api/v1/ledger/accounts").status_code == 403


def test_the_same_key_and_body_answer_the_first_result(platform):
    official = platform.client("official")
    headers = {"Idempotency-Key": "fee-2026-0001"}
    first = official.post("/api/v1/payments", json=FEE, headers=headers)
    again = official.post("/api/v1/payments", json=FEE, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.get_json() == again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(platform, "payments") == 1
    other = official.post("/api/v1/payments", json={**FEE, "amount": 36_000}, headers=headers)
    assert other.status_code == 422
    assert other.get_json()["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in other.get_json()["errors"]
    # Keys are the caller's own: the admin's "fee-2026-0001" is another request.
    admin = platform.client("province_admin")
    assert admin.post("/api/v1/payments", json=FEE, headers=headers).status_code == 201
    assert count(platform, "payments") == 2


def test_a_key_is_stored_only_with_a_request_that_succeeded(platform):
    official = platform.client("official")
    headers = {"Idempotency-Key": "k-1"}
    bad = official.post("/api/v1/payments", json={**FEE, "amount": 0}, headers=headers)
    assert bad.status_code == 422
    assert count(platform, "idempotency_keys") == 0
    assert official.post("/api/v1/payments", json=FEE, headers=headers).status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "khóa-có-dấu"])
def test_a_malformed_key_is_refused_naming_the_header(platform, key):
    answer = platform.client("official").post(
        "/api/v1/payments", json=FEE, headers={"Idempotency-Key": key}
    )
    assert answer.status_code == 422
    assert "Idempotency-Key" in answer.get_json()["errors"]
    assert count(platform, "payments") == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "35000"}, "amount"),
        ({"amount": -5}, "amount"),
        ({"purpose": {"vi": "Chỉ tiếng Việt"}}, "purpose.en"),
        ({"expires_in": 10}, "expires_in"),
        ({"payer_id": "no-such-user"}, "payer_id"),
    ],
)
def test_a_bad_fee_names_the_field_and_writes_nothing(platform, change, field):
    audited = count(platform, "audit_log")
    answer = platform.client("official").post("/api/v1/payments", json={**FEE, **change})
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["errors"]
    assert count(platform, "payments") == 0
    assert count(platform, "audit_log") == audited


def test_unpaid_payments_expire_and_tell_the_plugin(platform):
    citizen = platform.client("citizen")
    waiting = buy(citizen, 10_000).get_json()
    sent = buy(citizen, 20_000).get_json()
    citizen.post(f"/api/v1/payments/{sent['id']}/checkout", json={"provider": "bankx"})
    with platform.context() as session:
        session.execute(
            text("UPDATE payments SET expires_at = :at"),
            {
                "at": (utcnow() - timedelta(minutes=5)).replace(tzinfo=None)
                if platform.runtime.engine.dialect.name == "sqlite"
                else utcnow() - timedelta(minutes=5)
            },
        )
    with platform.context() as session:
        # The one at the gateway gets a grace period: its notification may be on its way.
        assert expire_due(session) == 1
    platform.run_tasks()
    assert citizen.get(f"/api/v1/payments/{waiting['id']}").get_json()["status_reason"] == (
        "expired"
    )
    assert citizen.get(f"/api/v1/payments/{sent['id']}").get_json()["status"] == "processing"
    assert ("failed", waiting["id"], "canceled") in plugin("shop").CALLS


def test_reconciliation_finds_what_the_gateway_took_but_the_ledger_missed(platform):
    citizen = platform.client("citizen")
    good = buy(citizen, 100_000).get_json()
    pay(platform, citizen, good["id"], ref="BX-1")
    bankx = plugin("bankx")
    bankx.book(good["id"], "BX-1", 100_000)
    lost = buy(citizen, 40_000).get_json()
    citizen.post(f"/api/v1/payments/{lost['id']}/checkout", json={"provider": "bankx"})
    # The gateway took the money; its notification never arrived.
    bankx.book(lost["id"], "BX-2", 40_000)
    now = utcnow()
    report = platform.client("province_admin").get(
        "/api/v1/payments/reconciliation",
        query_string={
            "provider": "bankx",
            "from": (now - timedelta(hours=1)).isoformat(),
            "to": (now + timedelta(hours=1)).isoformat(),
        },
    )
    assert report.status_code == 200, report.get_json()
    body = report.get_json()
    assert (body["payments"], body["matched"], body["difference"]) == (2, 1, 40_000)
    assert body["lines"] == [
        {
            "payment": lost["id"],
            "status": "missing_in_ledger",
            "payment_status": "processing",
            "ledger_captured": 0,
            "provider_captured": 40_000,
            "ledger_refunded": 0,
            "provider_refunded": 0,
            "provider_refs": ["BX-2"],
        }
    ]


def test_reconciliation_checks_its_period_and_provider(platform):
    admin = platform.client("province_admin")
    now = utcnow()
    url = "/api/v1/payments/reconciliation"
    backwards = admin.get(
        url,
        query_string={"provider": "bankx", "from": now.isoformat(), "to": now.isoformat()},
    )
    assert backwards.status_code == 422 and "to" in backwards.get_json()["errors"]
    counter = admin.get(
        url,
        query_string={
            "provider": "counter",
            "from": (now - timedelta(days=1)).isoformat(),
            "to": now.isoformat(),
        },
    )
    assert counter.status_code == 422 and "provider" in counter.get_json()["errors"]
    assert platform.client("official").get(url).status_code == 403


def test_keys_are_forgotten_after_a_week(platform):
    official = platform.client("official")
    headers = {"Idempotency-Key": "fee-old"}
    assert official.post("/api/v1/payments", json=FEE, headers=headers).status_code == 201
    assert official.post("/api/v1/payments", json=FEE, headers=headers).status_code == 201
    assert count(platform, "payments") == 1
    eight_days = utcnow() - timedelta(days=8)
    with platform.context() as session:
        session.execute(update(IdempotencyKey).values(created_at=eight_days))
    assert platform.runtime.run_periodic("payments.forget_keys") == 1
    # A week on, the key is free: the same request is a new payment.
    assert official.post("/api/v1/payments", json=FEE, headers=headers).status_code == 201
    assert count(platform, "payments") == 2
