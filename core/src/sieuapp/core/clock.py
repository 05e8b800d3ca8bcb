"""The time the platform's rules read (codes, tokens, lockouts, delegations, report deadlines);
tests replace ``now`` to move it instead of waiting, in one place for every part. ``ZONE`` is
the country's time zone, in which days, working hours and quiet hours are counted."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from .db import utcnow

#: Vietnam has one time zone and no daylight saving.
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return utcnow()
