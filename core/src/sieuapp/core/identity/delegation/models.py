from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ...db import Base, UTCDateTime, utcnow


class Delegation(Base):
    """A citizen's recorded consent that an agent may act for them in one tenant."""

    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    citizen_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: What the agent may do, in the citizen's words; shown back to both.
    purpose: Mapped[str] = mapped_column(Text)
    #: Space-separated scopes the agent's tokens for the citizen carry at most.
    scope: Mapped[str] = mapped_column(Text, default="")
    #: Who recorded the consent: the citizen, or an official from a signed paper form.
    recorded_by: Mapped[str] = mapped_column(String(32))
    #: For consent recorded by an official: the form's reference.
    evidence: Mapped[str | None] = mapped_column(String(200), nullable=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
