"""payments: intents, attempts, refunds, idempotency keys; the ledger and the rules the database keeps for it

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 01:05:30.865333
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


# The ledger's rules, kept by the database whatever code writes to it: rows are never updated or
# deleted, a transfer seals two or more entries of its own tenant's accounts that sum to zero,
# and no entry joins a sealed transfer.
_TABLES = ("ledger_accounts", "ledger_transfers", "ledger_entries")

_POSTGRESQL = [
    """
    CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END $$
    """,
    """
    CREATE FUNCTION ledger_entry_unsealed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM ledger_transfers WHERE id = NEW.transfer_id) THEN
            RAISE EXCEPTION 'ledger transfer % is sealed: no entry may join it', NEW.transfer_id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE FUNCTION ledger_transfer_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        legs integer;
        total numeric;
        foreign_legs integer;
    BEGIN
        SELECT count(*), coalesce(sum(e.amount), 0),
               count(*) FILTER (WHERE a.tenant_id <> NEW.tenant_id)
          INTO legs, total, foreign_legs
          FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
         WHERE e.transfer_id = NEW.id;
        IF legs < 2 THEN
            RAISE EXCEPTION 'ledger transfer % has % entries: two or more needed', NEW.id, legs
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF total <> 0 THEN
            RAISE EXCEPTION 'ledger transfer % does not balance: its entries sum to %',
                NEW.id, total USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF foreign_legs > 0 THEN
            RAISE EXCEPTION 'ledger transfer % moves another tenant''s accounts', NEW.id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$
    """,
    # Checked again at commit: an entry written by a transaction that raced the sealing one
    # (both saw the transfer unsealed) would otherwise join it unbalanced.
    """
    CREATE FUNCTION ledger_entries_still_balance() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF (SELECT coalesce(sum(amount), 0) FROM ledger_entries
             WHERE transfer_id = NEW.transfer_id) <> 0 THEN
            RAISE EXCEPTION 'ledger transfer % does not balance at commit', NEW.transfer_id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NULL;
    END $$
    """,
    *[
        f"""
        CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()
        """
        for table in _TABLES
    ],
    *[
        f"""
        CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()
        """
        for table in _TABLES
    ],
    """
    CREATE TRIGGER ledger_entries_unsealed BEFORE INSERT ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_unsealed()
    """,
    """
    CREATE TRIGGER ledger_transfers_balanced AFTER INSERT ON ledger_transfers
    FOR EACH ROW EXECUTE FUNCTION ledger_transfer_balanced()
    """,
    """
    CREATE CONSTRAINT TRIGGER ledger_entries_balanced_at_commit AFTER INSERT ON ledger_entries
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_still_balance()
    """,
]

# SQLite runs one writing transaction at a time, so the commit-time recheck has no race to catch.
_SQLITE = [
    *[
        f"""
        CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: {verb} on {table} refused'); END
        """
        for table in _TABLES
        for verb in ("UPDATE", "DELETE")
    ],
    """
    CREATE TRIGGER ledger_entries_unsealed BEFORE INSERT ON ledger_entries
    WHEN EXISTS (SELECT 1 FROM ledger_transfers WHERE id = NEW.transfer_id)
    BEGIN SELECT RAISE(ABORT, 'ledger transfer is sealed: no entry may join it'); END
    """,
    """
    CREATE TRIGGER ledger_transfers_balanced AFTER INSERT ON ledger_transfers
    BEGIN
        SELECT RAISE(ABORT, 'ledger transfer has fewer than two entries')
         WHERE (SELECT count(*) FROM ledger_entries WHERE transfer_id = NEW.id) < 2;
        SELECT RAISE(ABORT, 'ledger transfer does not balance: its entries do not sum to 0')
         WHERE (SELECT coalesce(sum(amount), 0) FROM ledger_entries
                 WHERE transfer_id = NEW.id) <> 0;
        SELECT RAISE(ABORT, 'ledger transfer moves another tenant''s accounts')
         WHERE EXISTS (SELECT 1 FROM ledger_entries e JOIN ledger_accounts a
                         ON a.id = e.account_id
                        WHERE e.transfer_id = NEW.id AND a.tenant_id <> NEW.tenant_id);
    END
    """,
]


def _ledger_rules() -> None:
    statements = _POSTGRESQL if op.get_bind().dialect.name == "postgresql" else _SQLITE
    for statement in statements:
        op.execute(statement)


def _drop_ledger_rules() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for function in (
            "ledger_refuse_change",
            "ledger_entry_unsealed",
            "ledger_transfer_balanced",
            "ledger_entries_still_balance",
        ):
            op.execute(f"DROP FUNCTION IF EXISTS {function}() CASCADE")
    # SQLite drops a table's triggers with it.


def upgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=80), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("operation", sa.String(length=120), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column(
            "response", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_idempotency_keys_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint(
            "tenant_id", "owner", "key", name=op.f("uq_idempotency_keys_tenant_id_owner_key")
        ),
    )
    op.create_table(
        "ledger_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('payer', 'payee', 'clearing', 'fees')",
            name=op.f("ck_ledger_accounts_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_ledger_accounts_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_accounts")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_ledger_accounts_tenant_id_code")),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.String(length=20), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("purpose_en", sa.String(length=200), nullable=False),
        sa.Column("payer_id", sa.String(length=32), nullable=True),
        sa.Column("payee_id", sa.Integer(), nullable=False),
        sa.Column("plugin_id", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("status_reason", sa.String(length=200), nullable=True),
        sa.Column("provider", sa.String(length=40), nullable=True),
        sa.Column("provider_ref", sa.String(length=100), nullable=True),
        sa.Column("fee", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("refunded", sa.BigInteger(), nullable=False),
        sa.Column(
            "metadata", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('requires_payment_method', 'processing', 'succeeded', 'failed', 'canceled')",
            name=op.f("ck_payments_status_known"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payments_amount_positive")),
        sa.CheckConstraint(
            "refunded >= 0 AND refunded <= amount", name=op.f("ck_payments_refunded_within_amount")
        ),
        sa.CheckConstraint("fee >= 0 AND fee < amount", name=op.f("ck_payments_fee_within_amount")),
        sa.ForeignKeyConstraint(
            ["payee_id"],
            ["organizations.id"],
            name=op.f("fk_payments_payee_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["payer_id"], ["users.id"], name=op.f("fk_payments_payer_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_payments_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payments_payee_created", ["tenant_id", "payee_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_payments_payer_created", ["tenant_id", "payer_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_payments_status_expires", ["status", "expires_at"], unique=False)

    op.create_table(
        "payment_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.String(length=20), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("plugin_id", sa.String(length=40), nullable=True),
        sa.Column("provider_ref", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_payment_attempts_payment_id_payments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_attempts")),
        sa.UniqueConstraint(
            "payment_id", "provider", name=op.f("uq_payment_attempts_payment_id_provider")
        ),
    )
    op.create_table(
        "payment_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=True),
        sa.Column(
            "detail", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_payment_events_payment_id_payments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_events")),
    )
    with op.batch_alter_table("payment_events", schema=None) as batch_op:
        batch_op.create_index("ix_payment_events_payment", ["payment_id", "id"], unique=False)

    op.create_table(
        "payment_refunds",
        sa.Column("id", sa.String(length=20), nullable=False),
        sa.Column("payment_id", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("provider_ref", sa.String(length=100), nullable=True),
        sa.Column("detail", sa.String(length=300), nullable=True),
        sa.Column("requested_by", sa.String(length=60), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed')",
            name=op.f("ck_payment_refunds_status_known"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_refunds_amount_positive")),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_payment_refunds_payment_id_payments"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_refunds")),
    )
    op.create_table(
        "ledger_transfers",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("payment_id", sa.String(length=20), nullable=True),
        sa.Column("refund_id", sa.String(length=20), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_ledger_transfers_payment_id_payments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"],
            ["payment_refunds.id"],
            name=op.f("fk_ledger_transfers_refund_id_payment_refunds"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_ledger_transfers_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_transfers")),
    )
    with op.batch_alter_table("ledger_transfers", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_transfers_payment", ["payment_id"], unique=False)

    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.String(length=60), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_ledger_entries_amount_nonzero")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_ledger_entries_account_id_ledger_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["ledger_transfers.id"],
            name=op.f("fk_ledger_entries_transfer_id_ledger_transfers"),
            ondelete="RESTRICT",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_entries_account", ["account_id", "id"], unique=False)
        batch_op.create_index("ix_ledger_entries_transfer", ["transfer_id"], unique=False)

    # ### end Alembic commands ###
    _ledger_rules()


def downgrade() -> None:
    _drop_ledger_rules()
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_entries_transfer")
        batch_op.drop_index("ix_ledger_entries_account")

    op.drop_table("ledger_entries")
    with op.batch_alter_table("ledger_transfers", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_transfers_payment")

    op.drop_table("ledger_transfers")
    op.drop_table("payment_refunds")
    with op.batch_alter_table("payment_events", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_events_payment")

    op.drop_table("payment_events")
    op.drop_table("payment_attempts")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_status_expires")
        batch_op.drop_index("ix_payments_payer_created")
        batch_op.drop_index("ix_payments_payee_created")

    op.drop_table("payments")
    op.drop_table("ledger_accounts")
    op.drop_table("idempotency_keys")
    # ### end Alembic commands ###
