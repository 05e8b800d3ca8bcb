"""The plugin's own tables, on its own declarative base (the host's models are not part of the
SDK). Firms are the host's partner organizations, named here by their code; riders and
drivers are the host's users, named by id. Foreign keys to the host's tables exist in the
migration only."""

from __future__ import annotations

from datetime import datetime

from sieuapp.sdk.tables import UTCDateTime, plugin_metadata, utcnow
from sqlalchemy import (
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = plugin_metadata()


class Tariff(Base):
    """A firm's fares for one seat count, as the firm publishes them (đồng, kilometres)."""

    __tablename__ = "taxi_tariffs"
    __table_args__ = (UniqueConstraint("tenant_id", "firm", "seats"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer, nullable=False)
    firm: Mapped[str] = mapped_column(String(64), nullable=False)
    seats: Mapped[int] = mapped_column(Integer, nullable=False)
    opening_fare: Mapped[int] = mapped_column(Integer, nullable=False)
    opening_km: Mapped[float] = mapped_column(Float, nullable=False)
    #: JSON: ``[{"up_to_km": 30, "per_km": 15500}, {"up_to_km": null, "per_km": 12500}]``.
    bands: Mapped[str] = mapped_column(Text, nullable=False)
    waiting_per_minute: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Vehicle(Base):
    __tablename__ = "taxi_vehicles"
    __table_args__ = (UniqueConstraint("tenant_id", "plate"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer, nullable=False)
    firm: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    #: Upper-case letters and digits only ("75A12345"): one car, however it is typed.
    plate: Mapped[str] = mapped_column(String(16), nullable=False)
    seats: Mapped[int] = mapped_column(Integer, nullable=False)
    #: MDS ``device_id``: a UUID that never changes for this car.
    device_id: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    active: Mapped[bool] = mapped_column(default=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Driver(Base):
    """A firm's driver and, while online, where they are. Matching reads this table only."""

    __tablename__ = "taxi_drivers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id"),
        # Nearest-driver matching: the available drivers of one seat count in a few grid cells.
        Index("ix_taxi_drivers_matching", "tenant_id", "status", "seats", "cell"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer, nullable=False)
    firm: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    user_id: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    phone: Mapped[str] = mapped_column(String(20), nullable=False)
    active: Mapped[bool] = mapped_column(default=True, nullable=False)
    #: offline, available, offered (an offer is waiting for an answer) or busy (on a ride).
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="offline")
    vehicle_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    seats: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    cell: Mapped[int | None] = mapped_column(Integer, nullable=True)
    position_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ride_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Ride(Base):
    """A ride from request to its end. ``id`` is the MDS ``trip_id``."""

    __tablename__ = "taxi_rides"
    __table_args__ = (
        Index("ix_taxi_rides_rider", "tenant_id", "rider_id"),
        Index("ix_taxi_rides_state", "tenant_id", "state"),
        Index("ix_taxi_rides_ended", "tenant_id", "ended_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer, nullable=False)
    #: None once the rider's data was erased; the trip stays for the province's statistics.
    rider_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: The firm the rider asked for, or None for any.
    firm_wanted: Mapped[str | None] = mapped_column(String(64), nullable=True)
    firm: Mapped[str | None] = mapped_column(String(64), nullable=True)
    driver_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    vehicle_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    seats: Mapped[int] = mapped_column(Integer, nullable=False)
    passengers: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    pickup_lat: Mapped[float] = mapped_column(Float, nullable=False)
    pickup_lon: Mapped[float] = mapped_column(Float, nullable=False)
    pickup_address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    dropoff_lat: Mapped[float] = mapped_column(Float, nullable=False)
    dropoff_lon: Mapped[float] = mapped_column(Float, nullable=False)
    dropoff_address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    estimate_m: Mapped[int] = mapped_column(Integer, nullable=False)
    quoted_fare: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: The firm's tariff when the driver accepted, as JSON: the ride is charged by the fares
    #: the rider was quoted, whatever the firm publishes meanwhile.
    tariff: Mapped[str | None] = mapped_column(Text, nullable=True)
    state: Mapped[str] = mapped_column(String(12), nullable=False)
    cancelled_by: Mapped[str | None] = mapped_column(String(12), nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    reserved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: When the rider was told the car would be there (MDS ``quoted_trip_start_time``).
    quoted_pickup_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Where the car was when the trip started and ended (MDS start and end locations).
    start_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    start_lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    end_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    end_lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: Metres driven on the trip, summed from the driver's positions (or the meter's reading).
    trip_m: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    waiting_s: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    fare: Mapped[int | None] = mapped_column(Integer, nullable=True)
    payment_method: Mapped[str | None] = mapped_column(String(12), nullable=True)
    payment_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    payment_attempt: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rating_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    complaint_report_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Offer(Base):
    """A ride offered to one driver, who may accept until ``expires_at``."""

    __tablename__ = "taxi_offers"
    __table_args__ = (UniqueConstraint("ride_id", "driver_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer, nullable=False)
    ride_id: Mapped[str] = mapped_column(String(36), nullable=False)
    driver_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    distance_m: Mapped[int] = mapped_column(Integer, nullable=False)
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    #: pending, accepted, declined, expired or withdrawn (the rider cancelled).
    outcome: Mapped[str] = mapped_column(String(12), nullable=False, default="pending")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
