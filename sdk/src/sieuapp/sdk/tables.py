"""Building blocks for a plugin's own tables (SDK API 1.5). A plugin keeps its tables on its
own declarative base, never the host's, and evolves them with its own Alembic branch; these
make that base behave the same on SQLite and PostgreSQL. Needs SQLAlchemy, which a plugin with
tables depends on anyway (the ``tables`` extra)::

    class Base(DeclarativeBase):
        metadata = plugin_metadata()

    class Ride(Base):
        requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

#: Constraint names that are the same on SQLite and PostgreSQL, so that a later migration can
#: alter a constraint by name on both.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def plugin_metadata() -> MetaData:
    """A fresh ``MetaData`` with the naming convention, for one plugin's declarative base."""
    return MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both backends (SQLite keeps no offset, so UTC is stored naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """Now, aware, in UTC: the value ``UTCDateTime`` columns hold."""
    return datetime.now(UTC)
