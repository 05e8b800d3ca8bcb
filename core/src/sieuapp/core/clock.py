"""The time the platform's rules read (codes, tokens, lockouts, delegations, report deadlines);
tests replace ``now`` to move it instead of waiting, in one place for every part."""

from __future__ import annotations

from datetime import datetime

from .db import utcnow


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return utcnow()
