from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, JSONType, UTCDateTime, utcnow


class ReportCategory(Base):
    """What a citizen can report (an Open311 service), from the core catalog or a plugin."""

    __tablename__ = "report_categories"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    #: The Open311 ``service_code``.
    code: Mapped[str] = mapped_column(String(64))
    #: ``core`` for the platform's catalog and admin-made ones, else the contributing plugin's id.
    source: Mapped[str] = mapped_column(String(40), default="core")
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    #: The Open311 ``group``.
    group_name: Mapped[str] = mapped_column(String(100), default="")
    group_name_en: Mapped[str] = mapped_column(String(100), default="")
    #: Comma-separated, as Open311 shows ``keywords``.
    keywords: Mapped[str] = mapped_column(String(300), default="")
    #: Who handles it unless a routing rule says otherwise; None sends it to the IOC to route.
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), nullable=True
    )
    #: Route to the people's committee of the ward or commune where the report is.
    route_to_commune: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Handling time in working days from assignment.
    deadline_days: Mapped[int] = mapped_column(Integer, default=5)
    #: Working days before the deadline when the handler is reminded.
    reminder_days: Mapped[int] = mapped_column(Integer, default=1)
    #: Open reports of this category within this many metres are offered as duplicates.
    duplicate_radius_m: Mapped[int] = mapped_column(Integer, default=100)
    #: Days after closing during which a reporter who is not satisfied may dispute.
    dispute_days: Mapped[int] = mapped_column(Integer, default=7)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Folded (lowercase, accent-free) names and keywords, for search.
    search_name: Mapped[str] = mapped_column(String(600), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ReportAttribute(Base):
    """A question a category asks (an Open311 service definition attribute)."""

    __tablename__ = "report_attributes"
    __table_args__ = (UniqueConstraint("category_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("report_categories.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(64))
    #: ``string``, ``number``, ``datetime``, ``text``, ``singlevaluelist`` or ``multivaluelist``.
    datatype: Mapped[str] = mapped_column(String(20))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    #: False for an informational attribute that takes no answer.
    variable: Mapped[bool] = mapped_column(Boolean, default=True)
    order: Mapped[int] = mapped_column(Integer, default=1)
    #: The question put to the citizen.
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    datatype_description: Mapped[str] = mapped_column(String(300), default="")
    #: For the list datatypes: ``[{"key": .., "name": .., "name_en": ..}]``.
    values: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)


class RoutingRule(Base):
    """Where a category's reports go in one area (or everywhere, with no unit)."""

    __tablename__ = "report_routing_rules"
    __table_args__ = (UniqueConstraint("category_id", "unit_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("report_categories.id", ondelete="CASCADE"), index=True
    )
    #: The ward or commune this rule covers; None for the whole province.
    unit_code: Mapped[str | None] = mapped_column(String(10), nullable=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), nullable=True
    )
    #: Instead of ``organization_id``: the people's committee of the report's commune.
    to_commune: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UnitBoundary(Base):
    """The outline of a ward or commune (GeoJSON Polygon or MultiPolygon, WGS 84)."""

    __tablename__ = "unit_boundaries"
    __table_args__ = (UniqueConstraint("tenant_id", "unit_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    unit_code: Mapped[str] = mapped_column(String(10))
    geometry: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: The bounding box, so that a lookup tests few polygons.
    min_lat: Mapped[float] = mapped_column(Float)
    min_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Holiday(Base):
    """A day off in the tenant's calendar, or a weekend day worked in compensation."""

    __tablename__ = "report_holidays"
    __table_args__ = (UniqueConstraint("tenant_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    #: True for a Saturday or Sunday that is worked ("ngày làm bù"), False for a day off.
    working: Mapped[bool] = mapped_column(Boolean, default=False)


class Open311Client(Base):
    """An app or partner system holding an Open311 api_key; only the key's SHA-256 is kept."""

    __tablename__ = "open311_clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The key's first characters, to tell keys apart in lists.
    key_prefix: Mapped[str] = mapped_column(String(12))
    #: A partner system may push updates for reports routed to this organization.
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), nullable=True
    )
    created_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Report(Base):
    """One citizen report (an Open311 service request)."""

    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_tenant_status", "tenant_id", "status"),
        Index("ix_reports_tenant_org_status", "tenant_id", "organization_id", "status"),
        Index("ix_reports_tenant_submitted", "tenant_id", "submitted_at"),
        Index("ix_reports_tenant_updated", "tenant_id", "updated_at"),
        Index("ix_reports_tenant_category", "tenant_id", "category_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("report_categories.id"))
    #: See ``reports.lifecycle.STATES``.
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    #: ``app``, ``web``, ``hotline`` (entered by an operator) or ``open311``.
    channel: Mapped[str] = mapped_column(String(20), default="app")
    reporter_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    #: The reporter's name is hidden from the public (officials still see who to answer).
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    #: For reports without an account (hotline, Open311): whom to answer.
    contact_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    contact_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    contact_phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    #: The operator who entered a hotline report.
    entered_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    open311_client_id: Mapped[int | None] = mapped_column(
        ForeignKey("open311_clients.id", ondelete="SET NULL"), nullable=True
    )
    #: The Open311 token answered on POST, exchanged at ``tokens/<token>``.
    token: Mapped[str] = mapped_column(String(40), unique=True)
    description: Mapped[str] = mapped_column(Text)
    #: Folded description, address and category names, for accent-insensitive search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    #: The ward or commune, given or found from the location.
    unit_code: Mapped[str | None] = mapped_column(String(10), nullable=True)
    #: A photo the Open311 client hosts itself (``media_url``).
    media_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    #: Answers to the category's attributes, by attribute code.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: The organization handling it now; None while the IOC routes it.
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), nullable=True
    )
    #: Shown in the public feed (set when moderated; the IOC may hide a report).
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The handling organization's answer, public once moderated.
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Working-day deadline of the current assignment (public as the expected date).
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: ``satisfied``, ``accepted`` or ``not_satisfied``.
    rating: Mapped[str | None] = mapped_column(String(20), nullable=True)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    disputes: Mapped[int] = mapped_column(Integer, default=0)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("reports.id", ondelete="SET NULL"), nullable=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Bumped by every change: two officials acting at once cannot both win.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ReportEvent(Base):
    """One step of a report's history: a transition, a note, an update pushed by a partner."""

    __tablename__ = "report_events"
    __table_args__ = (
        UniqueConstraint("open311_client_id", "external_id"),
        Index("ix_report_events_tenant_at", "tenant_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: See ``reports.lifecycle.ACTIONS``.
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    actor_label: Mapped[str] = mapped_column(String(120), default="platform")
    plugin_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: The organization the report was with after this step.
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), nullable=True
    )
    #: The reason, answer, question or message of this step.
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Shown in the public feed and Open311 updates (internal notes are not).
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    open311_client_id: Mapped[int | None] = mapped_column(
        ForeignKey("open311_clients.id", ondelete="SET NULL"), nullable=True
    )
    #: The ``update_id`` a partner system gave it: a repeated POST is answered, not applied.
    external_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class ReportPhoto(Base):
    """A photo of a report: the original (officials only) and a public copy without metadata."""

    __tablename__ = "report_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    #: None until the report it was uploaded for is submitted.
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), nullable=True, index=True
    )
    uploaded_by: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    original_key: Mapped[str] = mapped_column(String(200))
    public_key: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportFollower(Base):
    """A user told of every change to a report (its reporter, and reporters of merged ones)."""

    __tablename__ = "report_followers"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
