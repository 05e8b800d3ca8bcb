"""The province's view of the money: ledger balances and entries, and reconciliation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sieuapp.sdk.errors import NotFound
from sqlalchemy import func, select

from ..db import current_session
from ..db.paging import header, one_page
from ..identity.principal import require_principal, requires_role
from ..tenancy.context import current_tenant
from . import access, ledger
from .models import LedgerAccount, LedgerEntry, LedgerTransfer
from .reconciliation import reconcile

blp = Blueprint(
    "payments_ledger", __name__, url_prefix="/api/v1", description="The payments ledger"
)
SECURITY = [{"bearer": []}]


class LedgerAccountOut(Schema):
    code = fields.String()
    kind = fields.String()
    balance = fields.Integer(metadata={"description": "debits minus credits, in đồng"})


class LedgerOut(Schema):
    imbalance = fields.Integer(metadata={"description": "0 when the ledger balances"})
    accounts = fields.List(fields.Nested(LedgerAccountOut))


class LedgerEntryOut(Schema):
    transfer = fields.String()
    kind = fields.String()
    payment = fields.String(allow_none=True)
    refund = fields.String(allow_none=True)
    amount = fields.Integer()
    at = fields.DateTime()


class LedgerEntriesQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class LedgerEntriesPage(Schema):
    account = fields.Nested(LedgerAccountOut)
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    entries = fields.List(fields.Nested(LedgerEntryOut))


class ReconciliationQuery(Schema):
    provider = fields.String(required=True)
    start = fields.AwareDateTime(required=True, data_key="from")
    end = fields.AwareDateTime(required=True, data_key="to")

    @validates_schema
    def _period(self, data: dict[str, Any], **_: Any) -> None:
        if data["end"] <= data["start"]:
            raise ValidationError("Must be after 'from'.", "to")
        if data["end"] - data["start"] > timedelta(days=31):
            raise ValidationError("At most 31 days after 'from'.", "to")


class ReconciliationLine(Schema):
    payment = fields.String()
    status = fields.String(
        metadata={
            "description": "missing_in_ledger, missing_at_provider, amount_mismatch, "
            "refund_mismatch"
        }
    )
    payment_status = fields.String()
    ledger_captured = fields.Integer()
    provider_captured = fields.Integer()
    ledger_refunded = fields.Integer()
    provider_refunded = fields.Integer()
    provider_refs = fields.List(fields.String())


class ReconciliationOut(Schema):
    provider = fields.String()
    start = fields.DateTime(data_key="from")
    end = fields.DateTime(data_key="to")
    payments = fields.Integer()
    matched = fields.Integer()
    totals = fields.Dict(keys=fields.String(), values=fields.Integer())
    difference = fields.Integer(metadata={"description": "provider's net minus the ledger's"})
    lines = fields.List(fields.Nested(ReconciliationLine))


@blp.route("/ledger/accounts")
@requires_role(access.ADMIN)
@blp.response(200, LedgerOut)
@blp.doc(summary="Every account of the province's ledger with its balance", security=SECURITY)
def list_accounts() -> dict[str, Any]:
    require_principal(access.ADMIN)
    session = current_session()
    tenant_id = current_tenant().id
    return {
        "imbalance": ledger.imbalance(session, tenant_id),
        "accounts": [
            {"code": code, "kind": kind, "balance": total}
            for code, kind, total in ledger.balances(session, tenant_id)
        ],
    }


@blp.route("/ledger/accounts/<path:code>")
@requires_role(access.ADMIN)
@blp.arguments(LedgerEntriesQuery, location="query")
@blp.response(200, LedgerEntriesPage)
@blp.doc(summary="One account's entries, newest first", security=SECURITY)
def account_entries(query: dict[str, Any], code: str) -> dict[str, Any]:
    require_principal(access.ADMIN)
    session = current_session()
    tenant_id = current_tenant().id
    account = session.scalar(
        select(LedgerAccount).where(
            LedgerAccount.tenant_id == tenant_id, LedgerAccount.code == code
        )
    )
    if account is None:
        raise NotFound("No such account.")
    rows = session.execute(
        one_page(
            select(LedgerEntry, LedgerTransfer)
            .join(LedgerTransfer, LedgerTransfer.id == LedgerEntry.transfer_id)
            .where(LedgerEntry.account_id == account.id)
            .order_by(LedgerEntry.id.desc()),
            query,
        )
    ).all()
    total = session.scalar(select(func.count()).where(LedgerEntry.account_id == account.id))
    return {
        "account": {
            "code": account.code,
            "kind": account.kind,
            "balance": ledger.balance(session, tenant_id, code),
        },
        **header(query, total or 0),
        "entries": [
            {
                "transfer": transfer.id,
                "kind": transfer.kind,
                "payment": transfer.payment_id,
                "refund": transfer.refund_id,
                "amount": entry.amount,
                "at": entry.created_at,
            }
            for entry, transfer in rows
        ],
    }


@blp.route("/payments/reconciliation")
@requires_role(access.ADMIN)
@blp.arguments(ReconciliationQuery, location="query")
@blp.response(200, ReconciliationOut)
@blp.doc(
    summary="The ledger against a provider's own record, for payments created in a period",
    security=SECURITY,
)
def reconciliation(query: dict[str, Any]) -> dict[str, Any]:
    require_principal(access.ADMIN)
    return reconcile(current_session(), query["provider"], query["start"], query["end"])
