"""The double-entry ledger: balanced transfers between a tenant's accounts, never changed.

Debits are positive, credits negative; a transfer's legs sum to zero and an account's balance is
the sum of its entries. Transfers are idempotent by id: the id names what caused the movement
(``PAY…:capture``), so posting it again, from a retried request or a duplicate notification,
finds it there and writes nothing. The database enforces the same rules (see migration 0008),
so no code path, ours or a hand-written query, can unbalance or rewrite it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..db import utcnow
from .models import LedgerAccount, LedgerEntry, LedgerTransfer

ACCOUNT_KINDS = ("payer", "payee", "clearing", "fees")


class LedgerError(ValueError):
    """A transfer that cannot be posted: unbalanced, or an id reused for other legs."""


@dataclass(frozen=True)
class Leg:
    account: str
    amount: int

    @property
    def kind(self) -> str:
        return self.account.split(":", 1)[0]


def payer_account(user_id: str | None) -> str:
    # A walk-in payer at a counter has no account with us; their money is still accounted for.
    return f"payer:{user_id or 'walk-in'}"


def payee_account(organization_code: str) -> str:
    return f"payee:{organization_code}"


def clearing_account(provider: str) -> str:
    return f"clearing:{provider}"


def fees_account(provider: str) -> str:
    """What the platform paid a provider in fees (an expense: a debit balance)."""
    return f"fees:{provider}"


def _check(transfer_id: str, legs: Sequence[Leg]) -> None:
    if not transfer_id or len(transfer_id) > 60:
        raise LedgerError(f"transfer id {transfer_id!r} must be 1 to 60 characters")
    if len(legs) < 2:
        raise LedgerError(f"transfer {transfer_id}: needs two legs or more, has {len(legs)}")
    for leg in legs:
        if leg.kind not in ACCOUNT_KINDS:
            raise LedgerError(f"transfer {transfer_id}: account {leg.account!r} of unknown kind")
        if not isinstance(leg.amount, int) or isinstance(leg.amount, bool) or leg.amount == 0:
            raise LedgerError(f"transfer {transfer_id}: leg {leg} must be a non-zero integer")
    total = sum(leg.amount for leg in legs)
    if total != 0:
        raise LedgerError(f"transfer {transfer_id}: legs sum to {total}, not 0")


def account_ids(session: Session, tenant_id: int, codes: Sequence[str]) -> dict[str, int]:
    """The accounts' ids, opening the ones that do not exist yet (safe against a concurrent
    opening of the same account: the insert is skipped, not failed)."""
    wanted = sorted(set(codes))
    dialect = session.get_bind().dialect.name
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(LedgerAccount)
    now = utcnow()
    session.execute(
        statement.on_conflict_do_nothing(index_elements=["tenant_id", "code"]),
        [
            {"tenant_id": tenant_id, "code": c, "kind": c.split(":", 1)[0], "created_at": now}
            for c in wanted
        ],
    )
    rows = session.execute(
        select(LedgerAccount.code, LedgerAccount.id).where(
            LedgerAccount.tenant_id == tenant_id, LedgerAccount.code.in_(wanted)
        )
    )
    return {code: id_ for code, id_ in rows}


def _legs_of(session: Session, transfer_id: str) -> list[tuple[str, int]]:
    rows = session.execute(
        select(LedgerAccount.code, LedgerEntry.amount)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerEntry.transfer_id == transfer_id)
    )
    return sorted((code, amount) for code, amount in rows)


def post(
    session: Session,
    tenant_id: int,
    transfer_id: str,
    kind: str,
    legs: Sequence[Leg],
    *,
    payment_id: str | None = None,
    refund_id: str | None = None,
    description: str = "",
) -> bool:
    """Write a balanced transfer; False (nothing written) when ``transfer_id`` is already posted
    with the same legs. Posting an existing id with other legs is a ``LedgerError``."""
    posted = post_many(
        session,
        tenant_id,
        [(transfer_id, legs)],
        kind,
        payment_id=payment_id,
        refund_id=refund_id,
        description=description,
    )
    return bool(posted)


def post_many(
    session: Session,
    tenant_id: int,
    transfers: Sequence[tuple[str, Sequence[Leg]]],
    kind: str,
    *,
    payment_id: str | None = None,
    refund_id: str | None = None,
    description: str = "",
) -> list[str]:
    """Write several balanced transfers of one cause in a few statements; returns the ids
    written (those already posted with the same legs are skipped, as ``post`` does)."""
    for transfer_id, legs in transfers:
        _check(transfer_id, legs)
    wanted = [transfer_id for transfer_id, _ in transfers]
    existing = {
        row.id: row.tenant_id
        for row in session.execute(
            select(LedgerTransfer.id, LedgerTransfer.tenant_id).where(LedgerTransfer.id.in_(wanted))
        )
    }
    for transfer_id, legs in transfers:
        if transfer_id in existing and (
            existing[transfer_id] != tenant_id
            or _legs_of(session, transfer_id) != sorted((leg.account, leg.amount) for leg in legs)
        ):
            raise LedgerError(f"transfer {transfer_id} was posted with other legs")
    new = [(transfer_id, legs) for transfer_id, legs in transfers if transfer_id not in existing]
    if not new:
        return []
    ids = account_ids(session, tenant_id, [leg.account for _, legs in new for leg in legs])
    now = utcnow()
    # Entries first, then the transfer rows: their trigger seals them (balanced, two legs or
    # more), and the entries' deferred foreign key makes sure none outlives a rolled-back one.
    session.execute(
        insert(LedgerEntry),
        [
            {
                "transfer_id": transfer_id,
                "account_id": ids[leg.account],
                "amount": leg.amount,
                "created_at": now,
            }
            for transfer_id, legs in new
            for leg in legs
        ],
    )
    session.execute(
        insert(LedgerTransfer),
        [
            {
                "id": transfer_id,
                "tenant_id": tenant_id,
                "kind": kind,
                "payment_id": payment_id,
                "refund_id": refund_id,
                "description": description[:500],
                "created_at": now,
            }
            for transfer_id, _ in new
        ],
    )
    return [transfer_id for transfer_id, _ in new]


def balance(session: Session, tenant_id: int, code: str) -> int:
    """An account's balance: debits minus credits (0 for an account never used)."""
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerAccount.tenant_id == tenant_id, LedgerAccount.code == code)
    )
    return int(total or 0)


def balances(session: Session, tenant_id: int) -> list[tuple[str, str, int]]:
    """Every account of the tenant with its kind and balance, by code."""
    rows = session.execute(
        select(
            LedgerAccount.code,
            LedgerAccount.kind,
            func.coalesce(func.sum(LedgerEntry.amount), 0),
        )
        .outerjoin(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .where(LedgerAccount.tenant_id == tenant_id)
        .group_by(LedgerAccount.code, LedgerAccount.kind)
        .order_by(LedgerAccount.code)
    )
    return [(code, kind, int(total)) for code, kind, total in rows]


def imbalance(session: Session, tenant_id: int) -> int:
    """The sum of every entry of the tenant: 0 in a ledger that balances."""
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerAccount.tenant_id == tenant_id)
    )
    return int(total or 0)
