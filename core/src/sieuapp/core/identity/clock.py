"""The time identity reads (codes, tokens, keys, lockouts, delegations); tests replace ``now`` to
move it instead of waiting, in one place for every part of identity."""

from __future__ import annotations

from datetime import datetime

from ..db import utcnow


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return utcnow()
