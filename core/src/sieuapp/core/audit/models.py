from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, JSONType, UTCDateTime, utcnow


class AuditEntry(Base):
    """Who did what, when, to what, with the state before and after. Never updated."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_tenant_at", "tenant_id", "at"),
        Index("ix_audit_log_actor", "actor_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="SET NULL"), nullable=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The acting user, or null for the platform itself.
    actor_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: Who acted, readable even after the user is erased ("platform", "cli", a username).
    actor_label: Mapped[str] = mapped_column(String(120), default="platform")
    #: The citizen an authorized agent acted for (delegation).
    on_behalf_of: Mapped[str | None] = mapped_column(String(32), nullable=True)
    plugin_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    target: Mapped[str | None] = mapped_column(String(200), nullable=True)
    before: Mapped[Any] = mapped_column(JSONType, nullable=True)
    after: Mapped[Any] = mapped_column(JSONType, nullable=True)
    ip: Mapped[str | None] = mapped_column(String(45), nullable=True)
