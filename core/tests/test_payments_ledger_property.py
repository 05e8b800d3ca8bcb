"""Property: whatever sequence of payments, declines, repeated notifications, wrong amounts,
cancellations and refunds (some declined by the provider) arrives, the ledger balances, every
account's balance is what the payments say, and each payment is where a simple model says."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sieuapp.core.payments import ledger
from sieuapp.core.testing import Platform
from sqlalchemy import text

from .payments_support import buy, plugin, shop_platform
from .reports_support import tenant_id

pytestmark = pytest.mark.slow

#: Mostly the happy case, so that sequences reach refunds of paid payments often.
MOSTLY = st.sampled_from([True, True, True, False])


def _machine(new_platform):
    class Payments(RuleBasedStateMachine):
        payments = Bundle("payments")

        @initialize()
        def start(self) -> None:
            # A platform of its own per sequence: a failing one replays and shrinks alike.
            self.platform = platform = new_platform()
            self.citizen = platform.client("citizen")
            self.staff = platform.client("partner_staff")
            self.gateway = platform.client(None)
            # payment id -> [amount, status, refunded]
            self.model: dict[str, list] = {}
            plugin("bankx").STATE["refunds"] = "ok"

        def teardown(self) -> None:
            if hasattr(self, "platform"):
                self.platform.close()

        @rule(target=payments, amount=st.integers(min_value=1, max_value=50_000_000))
        def create(self, amount: int) -> str:
            made = buy(self.citizen, amount).get_json()
            started = self.citizen.post(
                f"/api/v1/payments/{made['id']}/checkout", json={"provider": "bankx"}
            )
            assert started.status_code == 200
            self.model[made["id"]] = [amount, "processing", 0]
            return made["id"]

        @rule(target=payments, amount=st.integers(min_value=1, max_value=50_000_000))
        def create_and_pay(self, amount: int) -> str:
            payment = self.create(amount)
            self.notify(payment, ok=True, right_amount=True)
            return payment

        @rule(payment=payments, ok=MOSTLY, right_amount=MOSTLY)
        def notify(self, payment: str, ok: bool, right_amount: bool) -> None:
            amount, status, _ = self.model[payment]
            sent = amount if right_amount else amount + 1
            answer = self.gateway.post(
                "/m/bankx/notify",
                json={"payment": payment, "amount": sent, "ok": ok, "ref": f"BX-{payment}"},
            ).get_json()
            if not right_amount:
                assert answer["outcome"] == "amount_mismatch"
            elif status != "processing":
                assert answer["outcome"] == "already_settled"
            else:
                assert answer["outcome"] == "applied"
                self.model[payment][1] = "succeeded" if ok else "failed"

        @rule(payment=payments)
        def cancel(self, payment: str) -> None:
            answer = self.citizen.post(f"/api/v1/payments/{payment}/cancel")
            if self.model[payment][1] == "processing":
                assert answer.status_code == 200
                self.model[payment][1] = "canceled"
            else:
                assert answer.status_code == 409

        @rule(
            payment=payments,
            share=st.sampled_from([0.01, 0.3, 0.5, 1.0, 1.2]) | st.floats(0.01, 1.2),
            provider_agrees=MOSTLY,
        )
        def refund(self, payment: str, share: float, provider_agrees: bool) -> None:
            amount, status, refunded = self.model[payment]
            wanted = max(1, int(amount * share))
            plugin("bankx").STATE["refunds"] = "ok" if provider_agrees else "no"
            answer = self.staff.post(
                f"/api/v1/payments/{payment}/refunds",
                json={"amount": wanted, "reason": "Kiểm thử"},
            )
            if status != "succeeded":
                assert answer.status_code == 409
            elif wanted > amount - refunded:
                assert answer.status_code == 422
            else:
                assert answer.status_code == 202
                self.platform.run_tasks()
                if provider_agrees:
                    self.model[payment][2] += wanted

        @invariant()
        def ledger_matches_payments(self) -> None:
            with self.platform.context() as session:
                hue = tenant_id(session)
                assert ledger.imbalance(session, hue) == 0
                balances = {code: total for code, _, total in ledger.balances(session, hue)}
                rows = session.execute(
                    text("SELECT id, amount, status, refunded FROM payments")
                ).all()
            net = sum(r.amount - r.refunded for r in rows if r.status == "succeeded")
            assert balances.get("clearing:bankx", 0) == net
            assert balances.get("payee:mai-linh-hue", 0) == -net
            assert all(v == 0 for k, v in balances.items() if k.startswith("payer:"))
            db = {r.id: [r.amount, r.status, r.refunded] for r in rows}
            for payment, expected in self.model.items():
                assert db[payment] == expected

    return Payments


def test_the_ledger_stays_balanced_under_any_sequence(tmp_path, synthetic):
    made = iter(range(10**6))

    def new_platform():
        def make(**kwargs):
            return Platform.create(instance_path=tmp_path / f"instance{next(made)}", **kwargs)

        return shop_platform(make, synthetic)

    run_state_machine_as_test(
        _machine(new_platform),
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
