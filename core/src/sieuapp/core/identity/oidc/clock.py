"""The time the OpenID Provider reads; tests replace ``now`` to move it instead of waiting."""

from __future__ import annotations

from datetime import datetime

from ...db import utcnow


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return utcnow()
