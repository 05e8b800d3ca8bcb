"""Payments per second through the whole path, against bare inserts of the same rows.

One payment: an official asks for it (``POST /api/v1/payments``), the payer checks out with
VNPay (``POST …/checkout``: the plugin signs the payment URL), and VNPay's IPN arrives signed
(``GET /m/vnpay/ipn``: signature, the checks in VNPay's order, the row lock, two ledger
transfers, the payer's notification, the webhook and outbox rows). Three requests, three
transactions, through WSGI. The baseline writes the same payment, attempt, events, transfers
and entries with bare SQLAlchemy inserts, in three transactions too, on the same database
(whose ledger triggers check both sides alike)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from sieuapp.core.db import unit_of_work, utcnow
from sieuapp.core.payments.ids import new_payment_id
from sieuapp.core.payments.models import (
    LedgerAccount,
    LedgerEntry,
    LedgerTransfer,
    Payment,
    PaymentAttempt,
    PaymentEvent,
)
from sieuapp.core.tenancy.models import Organization, Tenant
from sieuapp.core.testing import Platform
from sieuapp_vnpay import signing
from sqlalchemy import insert, select

from ._fixture import SECRET
from ._report import Row
from ._reports import _Deferred
from ._timing import Rounds, compare

TMN_CODE = "BENCH001"
HASH_SECRET = "BENCHSECRETBENCHSECRETBENCHSECRE"
AMOUNT = 150_000
FULL = Rounds(rounds=5, seconds=1.0, warmup_seconds=0.3)
QUICK = Rounds(rounds=2, seconds=0.05, warmup_seconds=0.02)


class PaymentsBench:
    def __init__(self, instance: Path, database_url: str) -> None:
        self.platform = Platform.create(
            instance_path=instance,
            plugins=["vnpay"],
            database_url=database_url,
            secret_key=SECRET,
            debug=False,
        )
        self.platform.runtime.task_backend.shutdown()
        # The hooks, notifications and webhooks a payment queues are left in the outbox: the
        # worker that sends them is another process.
        self.platform.runtime.task_backend = _Deferred()
        admin = self.platform.client("province_admin")
        answer = admin.put(
            "/api/v1/admin/plugins/vnpay/config",
            json={
                "tmn_code": TMN_CODE,
                "hash_secret": HASH_SECRET,
                "payment_url": "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html",
            },
        )
        assert answer.status_code == 200, answer.get_json()
        self.official = self.platform.client("official")
        self.citizen = self.platform.client("citizen")
        self.gateway = self.platform.client(None)
        self.payer_id = self.platform.users["citizen"].id
        self.sequence = 0
        with unit_of_work(self.platform.runtime.sessionmaker) as session:
            self.tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == "hue"))
            self.payee_id = session.scalar(
                select(Organization.id).where(
                    Organization.tenant_id == self.tenant_id, Organization.code == "so-xay-dung"
                )
            )

    @property
    def engine(self) -> Any:
        return self.platform.runtime.engine

    def close(self) -> None:
        self.platform.close()

    def pay(self) -> None:
        """Intent → checkout → IPN, as the apps and VNPay make them."""
        made = self.official.post(
            "/api/v1/payments",
            json={
                "amount": AMOUNT,
                "purpose": {"vi": "Lệ phí cấp giấy phép", "en": "Permit fee"},
                "payee": "so-xay-dung",
                "payer_id": self.payer_id,
            },
        )
        payment_id = made.get_json()["id"]
        checkout = self.citizen.post(
            f"/api/v1/payments/{payment_id}/checkout", json={"provider": "vnpay"}
        ).get_json()
        sent = dict(parse_qsl(urlsplit(checkout["redirect_url"]).query))
        self.sequence += 1
        ipn = {
            k: v
            for k, v in sent.items()
            if k in ("vnp_Amount", "vnp_TmnCode", "vnp_TxnRef", "vnp_OrderInfo")
        }
        ipn.update(
            vnp_BankCode="NCB",
            vnp_PayDate=sent["vnp_CreateDate"],
            vnp_ResponseCode="00",
            vnp_TransactionNo=str(14_000_000 + self.sequence),
            vnp_TransactionStatus="00",
            vnp_CardType="ATM",
        )
        ipn["vnp_SecureHash"] = signing.sign(ipn, HASH_SECRET)
        answer = self.gateway.get("/m/vnpay/ipn?" + urlencode(ipn)).get_json()
        if answer["RspCode"] != "00":
            raise AssertionError(f"IPN answered {answer}")

    def insert(self) -> None:
        """The same rows by bare inserts: payment; attempt and event; events and ledger."""
        factory = self.platform.runtime.sessionmaker
        payment_id = new_payment_id()
        now = utcnow()
        with unit_of_work(factory) as session:
            session.execute(
                insert(Payment).values(
                    id=payment_id,
                    tenant_id=self.tenant_id,
                    amount=AMOUNT,
                    currency="VND",
                    purpose="Lệ phí cấp giấy phép",
                    purpose_en="Permit fee",
                    payer_id=self.payer_id,
                    payee_id=self.payee_id,
                    status="processing",
                    refunded=0,
                    metadata={},
                    created_at=now,
                    expires_at=now,
                    updated_at=now,
                )
            )
            session.execute(
                insert(PaymentEvent).values(
                    payment_id=payment_id, kind="created", detail={}, created_at=now
                )
            )
        with unit_of_work(factory) as session:
            session.execute(
                insert(PaymentAttempt).values(
                    payment_id=payment_id, provider="vnpay", created_at=now
                )
            )
            session.execute(
                insert(PaymentEvent).values(
                    payment_id=payment_id, kind="started", detail={}, created_at=now
                )
            )
        with unit_of_work(factory) as session:
            accounts = dict(
                (code, account_id)
                for code, account_id in session.execute(
                    select(LedgerAccount.code, LedgerAccount.id).where(
                        LedgerAccount.tenant_id == self.tenant_id
                    )
                )
            )
            payer = accounts[f"payer:{self.payer_id}"]
            legs = {
                f"{payment_id}:in": [(accounts["clearing:vnpay"], AMOUNT), (payer, -AMOUNT)],
                f"{payment_id}:pay": [(payer, AMOUNT), (accounts["payee:so-xay-dung"], -AMOUNT)],
            }
            for transfer_id, entries in legs.items():
                session.execute(
                    insert(LedgerEntry),
                    [
                        {
                            "transfer_id": transfer_id,
                            "account_id": a,
                            "amount": m,
                            "created_at": now,
                        }
                        for a, m in entries
                    ],
                )
                session.execute(
                    insert(LedgerTransfer).values(
                        id=transfer_id,
                        tenant_id=self.tenant_id,
                        kind="capture",
                        payment_id=payment_id,
                        description="",
                        created_at=now,
                    )
                )
            session.execute(
                insert(PaymentEvent).values(
                    payment_id=payment_id, kind="succeeded", detail={}, created_at=now
                )
            )

    def rate(self, plan: Rounds) -> Row:
        self.pay()  # opens the ledger accounts the baseline uses
        pipeline, bare = compare(self.pay, self.insert, plan)
        return Row("payments_settled", "payments/s", "3 tx each", pipeline, bare, None)
