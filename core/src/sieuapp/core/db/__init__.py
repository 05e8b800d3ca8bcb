"""Database access: the declarative base, engines, the unit of work and migrations."""

from ._base import Base, JSONType, UTCDateTime, new_id, utcnow
from ._engine import make_engine
from ._session import current_session, unit_of_work

__all__ = [
    "Base",
    "JSONType",
    "UTCDateTime",
    "current_session",
    "make_engine",
    "new_id",
    "unit_of_work",
    "utcnow",
]
