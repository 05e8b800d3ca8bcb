"""The plugin's own tables, on its own declarative base: the host's models are not part of
the SDK, and a plugin's schema evolves with the plugin's own Alembic branch."""

from __future__ import annotations

from datetime import datetime

from sieuapp.sdk.tables import UTCDateTime, plugin_metadata, utcnow
from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = plugin_metadata()


class Favorite(Base):
    """A number a citizen starred. Foreign keys to the host's ``tenants`` and ``users`` exist
    in the migration only: this metadata does not (and must not) know the host's tables."""

    __tablename__ = "hotlines_favorites"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer, nullable=False)
    user_id: Mapped[str] = mapped_column(String(32), nullable=False)
    number: Mapped[str] = mapped_column(String(20), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
