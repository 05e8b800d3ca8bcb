"""hotlines: favourites table

Revision ID: hotlines_0001
Revises:
Create Date: 2026-11-24

The first revision of the plugin's own branch. Revision ids are global across every branch of
the platform, so they carry the plugin id. ``depends_on`` the core's first revision, which
creates ``tenants`` and ``users``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hotlines_0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = ("hotlines",)
depends_on: Sequence[str] | None = ("0001",)


def upgrade() -> None:
    op.create_table(
        "hotlines_favorites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name="fk_hotlines_favorites_tenant_id_tenants",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_hotlines_favorites_user_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_hotlines_favorites"),
        sa.UniqueConstraint(
            "tenant_id",
            "user_id",
            "number",
            name="uq_hotlines_favorites_tenant_id_user_id_number",
        ),
    )


def downgrade() -> None:
    op.drop_table("hotlines_favorites")
