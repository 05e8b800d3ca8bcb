from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, JSONType, UTCDateTime, utcnow


class ModuleState(Base):
    """Whether a plugin is installed and enabled for a tenant, and its configuration there."""

    __tablename__ = "module_states"
    __table_args__ = (UniqueConstraint("tenant_id", "plugin_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    plugin_id: Mapped[str] = mapped_column(String(40))
    installed_version: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    config: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: Hook failures in a row; reset by a success, and by an admin enabling the module.
    failure_count: Mapped[int] = mapped_column(Integer, default=0)
    last_failure: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Why the platform switched the module off by itself, if it did.
    disabled_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ModuleUsage(Base):
    """That a signed-in person used a module of a tenant on a day (Vietnam's), written once per
    person, module and day: distinct users are what the province's usage statistics count.
    Personal data: in the person's export, deleted at erasure (``plugins/usage.py``)."""

    __tablename__ = "module_usage"
    __table_args__ = (
        # The one row per person, module and day; the recording's insert skips a second one.
        UniqueConstraint("tenant_id", "plugin_id", "day", "user_id"),
        # The statistics read a tenant's range of days, of every module or of one.
        Index("ix_module_usage_tenant_day", "tenant_id", "day"),
        Index("ix_module_usage_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    plugin_id: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: The person's home ward or commune when they first used the module that day; None when
    #: they had not chosen one. No time of day and no location are kept.
    unit_code: Mapped[str | None] = mapped_column(String(10), nullable=True)
