from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, JSONType, UTCDateTime, utcnow


class Alert(Base):
    """One CAP message. An update or a cancellation is a new message that references the one
    it replaces; ``thread_id`` ties them together."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "identifier"),
        Index("ix_alerts_tenant_state_sent", "tenant_id", "state", "sent"),
        Index("ix_alerts_thread", "thread_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    #: The id of the first message of the chain (its own id for a first message).
    thread_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: ``draft``, ``published`` (the chain's current message) or ``superseded``.
    state: Mapped[str] = mapped_column(String(12), default="draft")
    #: ``composed`` here, or ``imported`` from another authority's CAP.
    origin: Mapped[str] = mapped_column(String(10), default="composed")
    # -- <alert> --
    identifier: Mapped[str] = mapped_column(String(120))
    sender: Mapped[str] = mapped_column(String(200))
    #: Set when published (a draft has not been sent).
    sent: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="Actual")
    msg_type: Mapped[str] = mapped_column(String(10), default="Alert")
    source: Mapped[str | None] = mapped_column(String(200), nullable=True)
    scope: Mapped[str] = mapped_column(String(10), default="Public")
    restriction: Mapped[str | None] = mapped_column(Text, nullable=True)
    addresses: Mapped[str | None] = mapped_column(Text, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: CAP ``references``: space-separated ``sender,identifier,sent`` triples.
    references: Mapped[str | None] = mapped_column(Text, nullable=True)
    # -- <info>, one block per language (vi-VN always, en-US when the English text is given) --
    #: Space-separated CAP categories: ``Met Safety``.
    category: Mapped[str] = mapped_column(String(120))
    event: Mapped[str] = mapped_column(String(200))
    event_en: Mapped[str] = mapped_column(String(200), default="")
    #: Space-separated CAP responseType values, or empty.
    response_type: Mapped[str] = mapped_column(String(120), default="")
    urgency: Mapped[str] = mapped_column(String(10))
    severity: Mapped[str] = mapped_column(String(10))
    certainty: Mapped[str] = mapped_column(String(10))
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    headline: Mapped[str] = mapped_column(String(300), default="")
    headline_en: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    instruction: Mapped[str] = mapped_column(Text, default="")
    instruction_en: Mapped[str] = mapped_column(Text, default="")
    web: Mapped[str | None] = mapped_column(String(500), nullable=True)
    contact: Mapped[str | None] = mapped_column(String(200), nullable=True)
    effective: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    onset: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expires: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # -- bookkeeping --
    created_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: Users the fan-out found in the area, counted as its batches run.
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    fanout_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    areas: Mapped[list[AlertArea]] = relationship(
        back_populates="alert", cascade="all, delete-orphan", order_by="AlertArea.id"
    )

    __mapper_args__ = {"version_id_col": version}


class AlertArea(Base):
    """A CAP ``<area>``: polygons, circles and geocodes, any of which may be empty."""

    __tablename__ = "alert_areas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    area_desc: Mapped[str] = mapped_column(Text)
    area_desc_en: Mapped[str] = mapped_column(Text, default="")
    #: Closed rings of ``[lat, lon]`` pairs (CAP's order), first point repeated last.
    polygons: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    #: ``{"lat": .., "lon": .., "radius_km": ..}``.
    circles: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    #: ``{"valueName": .., "value": ..}``; commune codes use valueName ``VN-ADMIN``.
    geocodes: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    altitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    ceiling: Mapped[float | None] = mapped_column(Float, nullable=True)

    alert: Mapped[Alert] = relationship(back_populates="areas")


class AlertTarget(Base):
    """An administrative unit an alert's area reaches, so that a user's inbox finds alerts by
    the units they registered instead of a row per recipient. ``*`` is the whole province."""

    __tablename__ = "alert_targets"
    __table_args__ = (
        PrimaryKeyConstraint("alert_id", "unit_code"),
        Index("ix_alert_targets_unit_sent", "tenant_id", "unit_code", "sent"),
    )

    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    unit_code: Mapped[str] = mapped_column(String(10))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    #: The alert's ``sent``, copied so the inbox reads newest first from the index alone.
    sent: Mapped[datetime] = mapped_column(UTCDateTime)


class UserArea(Base):
    """Where a user wants alerts for: the home commune, and the current location if they
    opted in."""

    __tablename__ = "user_areas"
    __table_args__ = (
        UniqueConstraint("user_id", "tenant_id", "kind"),
        Index("ix_user_areas_unit_user", "tenant_id", "unit_code", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    #: ``home`` or ``current``.
    kind: Mapped[str] = mapped_column(String(10))
    #: The commune or ward; None for a location outside every known boundary.
    unit_code: Mapped[str | None] = mapped_column(String(10), nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AlertRead(Base):
    """That a user has seen an alert in their inbox."""

    __tablename__ = "alert_reads"
    __table_args__ = (PrimaryKeyConstraint("user_id", "alert_id"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
