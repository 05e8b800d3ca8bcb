"""The time assurance reads; tests replace ``now`` to step past expiries without waiting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ...db import utcnow

now: Callable[[], datetime] = utcnow
