"""taxi: tariffs, vehicles, drivers, rides and offers

Revision ID: taxi_0001
Revises:
Create Date: 2026-12-07

The first revision of the plugin's own branch; ``depends_on`` the core's first revision, which
creates ``tenants`` and ``users``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "taxi_0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = ("taxi",)
depends_on: Sequence[str] | None = ("0001",)


def _tenant(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"], ["tenants.id"], name=f"fk_{table}_tenant_id_tenants", ondelete="CASCADE"
    )


def _at(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "taxi_tariffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("firm", sa.String(64), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("opening_fare", sa.Integer(), nullable=False),
        sa.Column("opening_km", sa.Float(), nullable=False),
        sa.Column("bands", sa.Text(), nullable=False),
        sa.Column("waiting_per_minute", sa.Integer(), nullable=False),
        _at("updated_at", False),
        _tenant("taxi_tariffs"),
        sa.PrimaryKeyConstraint("id", name="pk_taxi_tariffs"),
        sa.UniqueConstraint(
            "tenant_id", "firm", "seats", name="uq_taxi_tariffs_tenant_id_firm_seats"
        ),
    )
    op.create_table(
        "taxi_vehicles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("firm", sa.String(64), nullable=False),
        sa.Column("plate", sa.String(16), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _at("created_at", False),
        _tenant("taxi_vehicles"),
        sa.PrimaryKeyConstraint("id", name="pk_taxi_vehicles"),
        sa.UniqueConstraint("tenant_id", "plate", name="uq_taxi_vehicles_tenant_id_plate"),
        sa.UniqueConstraint("device_id", name="uq_taxi_vehicles_device_id"),
    )
    op.create_index("ix_taxi_vehicles_firm", "taxi_vehicles", ["firm"])
    op.create_table(
        "taxi_drivers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("firm", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=True),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("cell", sa.Integer(), nullable=True),
        _at("position_at"),
        sa.Column("ride_id", sa.String(36), nullable=True),
        _at("created_at", False),
        _tenant("taxi_drivers"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_taxi_drivers_user_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["taxi_vehicles.id"],
            name="fk_taxi_drivers_vehicle_id_taxi_vehicles",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_taxi_drivers"),
        sa.UniqueConstraint("tenant_id", "user_id", name="uq_taxi_drivers_tenant_id_user_id"),
    )
    op.create_index("ix_taxi_drivers_firm", "taxi_drivers", ["firm"])
    op.create_index(
        "ix_taxi_drivers_matching", "taxi_drivers", ["tenant_id", "status", "seats", "cell"]
    )
    op.create_table(
        "taxi_rides",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("rider_id", sa.String(32), nullable=True),
        sa.Column("firm_wanted", sa.String(64), nullable=True),
        sa.Column("firm", sa.String(64), nullable=True),
        sa.Column("driver_id", sa.Integer(), nullable=True),
        sa.Column("vehicle_id", sa.Integer(), nullable=True),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("passengers", sa.Integer(), nullable=False),
        sa.Column("pickup_lat", sa.Float(), nullable=False),
        sa.Column("pickup_lon", sa.Float(), nullable=False),
        sa.Column("pickup_address", sa.String(300), nullable=True),
        sa.Column("dropoff_lat", sa.Float(), nullable=False),
        sa.Column("dropoff_lon", sa.Float(), nullable=False),
        sa.Column("dropoff_address", sa.String(300), nullable=True),
        sa.Column("estimate_m", sa.Integer(), nullable=False),
        sa.Column("quoted_fare", sa.Integer(), nullable=True),
        sa.Column("tariff", sa.Text(), nullable=True),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("cancelled_by", sa.String(12), nullable=True),
        sa.Column("cancel_reason", sa.String(40), nullable=True),
        _at("requested_at", False),
        _at("reserved_at"),
        _at("quoted_pickup_at"),
        _at("arrived_at"),
        _at("started_at"),
        _at("ended_at"),
        sa.Column("start_lat", sa.Float(), nullable=True),
        sa.Column("start_lon", sa.Float(), nullable=True),
        sa.Column("end_lat", sa.Float(), nullable=True),
        sa.Column("end_lon", sa.Float(), nullable=True),
        sa.Column("trip_m", sa.Integer(), nullable=False),
        sa.Column("waiting_s", sa.Integer(), nullable=False),
        sa.Column("fare", sa.Integer(), nullable=True),
        sa.Column("payment_method", sa.String(12), nullable=True),
        sa.Column("payment_id", sa.String(40), nullable=True),
        sa.Column("payment_attempt", sa.Integer(), nullable=False),
        _at("paid_at"),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_comment", sa.Text(), nullable=True),
        sa.Column("complaint_report_id", sa.Integer(), nullable=True),
        _tenant("taxi_rides"),
        # A rider's account may go; the trip stays, without them, for the province's figures.
        sa.ForeignKeyConstraint(
            ["rider_id"], ["users.id"], name="fk_taxi_rides_rider_id_users", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_taxi_rides"),
    )
    op.create_index("ix_taxi_rides_rider", "taxi_rides", ["tenant_id", "rider_id"])
    op.create_index("ix_taxi_rides_state", "taxi_rides", ["tenant_id", "state"])
    op.create_index("ix_taxi_rides_ended", "taxi_rides", ["tenant_id", "ended_at"])
    op.create_table(
        "taxi_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("ride_id", sa.String(36), nullable=False),
        sa.Column("driver_id", sa.Integer(), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=False),
        _at("offered_at", False),
        _at("expires_at", False),
        sa.Column("outcome", sa.String(12), nullable=False),
        _at("answered_at"),
        _tenant("taxi_offers"),
        sa.ForeignKeyConstraint(
            ["ride_id"],
            ["taxi_rides.id"],
            name="fk_taxi_offers_ride_id_taxi_rides",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["taxi_drivers.id"],
            name="fk_taxi_offers_driver_id_taxi_drivers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_taxi_offers"),
        sa.UniqueConstraint("ride_id", "driver_id", name="uq_taxi_offers_ride_id_driver_id"),
    )
    op.create_index("ix_taxi_offers_driver_id", "taxi_offers", ["driver_id"])


def downgrade() -> None:
    for table in ("taxi_offers", "taxi_rides", "taxi_drivers", "taxi_vehicles", "taxi_tariffs"):
        op.drop_table(table)
