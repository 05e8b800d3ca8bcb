"""The ledger: balanced, idempotent by transfer id, and append-only, in the database itself."""

from __future__ import annotations

import pytest
from sieuapp.core.payments import ledger
from sieuapp.core.payments.ledger import LedgerError, Leg
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from .reports_support import tenant_id

PAY = [Leg("clearing:vnpay", 150_000), Leg("payee:SO-GTVT", -150_000)]


def test_a_transfer_posts_once_and_balances_derive_from_entries(platform):
    with platform.context() as session:
        hue = tenant_id(session)
        assert ledger.post(session, hue, "T1:capture", "capture", PAY) is True
        # The same transfer again (a retried request, a duplicate notification) writes nothing.
        assert ledger.post(session, hue, "T1:capture", "capture", list(reversed(PAY))) is False
        assert ledger.balance(session, hue, "clearing:vnpay") == 150_000
        assert ledger.balance(session, hue, "payee:SO-GTVT") == -150_000
        assert ledger.balance(session, hue, "payee:never-used") == 0
        assert ledger.imbalance(session, hue) == 0
        count = session.scalar(text("SELECT count(*) FROM ledger_entries"))
    assert count == 2


@pytest.mark.parametrize(
    ("legs", "problem"),
    [
        ([Leg("clearing:vnpay", 100)], "two legs"),
        ([Leg("clearing:vnpay", 100), Leg("payee:X", -99)], "sum to 1"),
        ([Leg("clearing:vnpay", 0), Leg("payee:X", 0)], "non-zero"),
        ([Leg("bank:vnpay", 100), Leg("payee:X", -100)], "unknown kind"),
    ],
)
def test_unbalanced_or_malformed_transfers_are_refused_before_writing(platform, legs, problem):
    with platform.context() as session:
        with pytest.raises(LedgerError, match=problem):
            ledger.post(session, tenant_id(session), "T2:capture", "capture", legs)
        assert session.scalar(text("SELECT count(*) FROM ledger_entries")) == 0


def test_reusing_a_transfer_id_for_other_legs_is_refused(platform):
    with platform.context() as session:
        hue = tenant_id(session)
        ledger.post(session, hue, "T3:capture", "capture", PAY)
        other = [Leg("clearing:vnpay", 1), Leg("payee:SO-GTVT", -1)]
        with pytest.raises(LedgerError, match="other legs"):
            ledger.post(session, hue, "T3:capture", "capture", other)


def _raw(platform, *statements: str) -> None:
    engine = platform.runtime.engine
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def _count(platform, table: str) -> int:
    with platform.runtime.engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


@pytest.fixture
def posted(platform):
    with platform.context() as session:
        ledger.post(session, tenant_id(session), "T4:capture", "capture", PAY)
    return platform


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET amount = amount * 2",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_transfers SET kind = 'refund'",
        "DELETE FROM ledger_transfers",
        "UPDATE ledger_accounts SET code = 'payee:someone-else'",
        "DELETE FROM ledger_accounts",
    ],
)
def test_the_database_refuses_to_rewrite_the_ledger(posted, statement):
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(posted, statement)
    assert _count(posted, "ledger_entries") == 2
    with posted.context() as session:
        assert ledger.balance(session, tenant_id(session), "clearing:vnpay") == 150_000


def _accounts(platform) -> tuple[int, int]:
    with platform.runtime.engine.connect() as connection:
        rows = {
            code: id_
            for code, id_ in connection.execute(text("SELECT code, id FROM ledger_accounts"))
        }
    return rows["clearing:vnpay"], rows["payee:SO-GTVT"]


@pytest.mark.parametrize(
    ("amounts", "problem"),
    [((100, -99), "balance"), ((100,), "two|fewer")],
)
def test_the_database_refuses_a_transfer_that_does_not_balance(posted, amounts, problem):
    accounts = _accounts(posted)
    entries = [
        f"INSERT INTO ledger_entries (transfer_id, account_id, amount, created_at)"
        f" VALUES ('T5:hand', {account}, {amount}, CURRENT_TIMESTAMP)"
        for account, amount in zip(accounts, amounts, strict=False)
    ]
    seal = (
        "INSERT INTO ledger_transfers (id, tenant_id, kind, description, created_at)"
        " SELECT 'T5:hand', tenant_id, 'hand', '', CURRENT_TIMESTAMP FROM ledger_accounts"
        " LIMIT 1"
    )
    with pytest.raises(DatabaseError, match=problem):
        _raw(posted, *entries, seal)
    assert _count(posted, "ledger_entries") == 2


def test_the_database_refuses_entries_joining_a_sealed_transfer(posted):
    clearing, payee = _accounts(posted)
    with pytest.raises(DatabaseError, match="sealed"):
        _raw(
            posted,
            "INSERT INTO ledger_entries (transfer_id, account_id, amount, created_at)"
            f" VALUES ('T4:capture', {clearing}, 5, CURRENT_TIMESTAMP)",
        )


def test_entries_without_their_transfer_are_refused_at_commit(posted):
    clearing, payee = _accounts(posted)
    with pytest.raises(DatabaseError, match="(?i)foreign key"):
        _raw(
            posted,
            "INSERT INTO ledger_entries (transfer_id, account_id, amount, created_at)"
            f" VALUES ('T6:orphan', {clearing}, 5, CURRENT_TIMESTAMP)",
            "INSERT INTO ledger_entries (transfer_id, account_id, amount, created_at)"
            f" VALUES ('T6:orphan', {payee}, -5, CURRENT_TIMESTAMP)",
        )
    assert _count(posted, "ledger_entries") == 2
