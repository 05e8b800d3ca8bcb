"""The demo's module usage: the last two weeks as the gate would have recorded them, so that the
province console's usage chart (``/api/v1/admin/modules/usage``) has something to show. The
citizen (home: Kim Long) reads the hotlines and takes taxis, the drivers (no home chosen, so
"Chưa rõ / Unknown") work with taxi, the official looks up hotlines. Idempotent: a use already
there is skipped, and a run on a later day adds the days since."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import clock
from ..identity.models import User
from ..plugins import usage
from ..plugins.models import ModuleUsage
from ..reports.calendar import local_day

DAYS = 14
#: (account, module, on which of the last days: 0 is today)
HABITS: tuple[tuple[str, str, frozenset[int]], ...] = (
    ("citizen", "hotlines", frozenset(range(0, DAYS, 2))),
    ("citizen", "taxi", frozenset(range(1, DAYS, 3))),
    ("taixe1", "taxi", frozenset(range(DAYS))),
    ("taixe2", "taxi", frozenset(d for d in range(DAYS) if d % 7 != 3)),
    ("official", "hotlines", frozenset(range(0, DAYS, 4))),
)


def seed_usage(session: Session, tenant_id: int, enabled: list[str]) -> int:
    """Record the habits of the modules that are on; returns how many uses were new."""
    today = local_day(clock.now())
    users = dict(
        session.execute(
            select(User.username, User.id).where(User.username.in_({h[0] for h in HABITS}))
        ).all()
    )
    before = _count(session, tenant_id)
    for username, module, days in HABITS:
        if module not in enabled or username not in users:
            continue
        for ago in sorted(days):
            use = usage.Use(tenant_id, module, today - timedelta(days=ago), users[username])
            usage.write(session, use)
    return _count(session, tenant_id) - before


def _count(session: Session, tenant_id: int) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(ModuleUsage).where(ModuleUsage.tenant_id == tenant_id)
        )
        or 0
    )
