"""Module usage: that a signed-in person used a module of a tenant on a day (Vietnam's), with
their home ward or commune, for the province's statistics (``usage_stats.py``).

The gate notes the use; the end of the request writes it, in a transaction of its own, once per
person, module and day. A worker remembers what it wrote today, so the requests after the first
cost no query at all; another worker's first write of the same use is skipped by the unique
constraint. Anonymous callers are not recorded (see ``note``). Nothing here may fail the request:
errors are logged and the use is lost.

The rows are personal data: exported with the account and deleted at its erasure."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app, g, has_app_context
from sieuapp.sdk import LocalizedText
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from .. import clock
from ..alerts.areas import HOME
from ..alerts.models import UserArea
from ..db import unit_of_work
from ..identity.principal import current_principal
from ..reports.calendar import local_day
from ..tenancy.models import Tenant
from .models import ModuleUsage

log = logging.getLogger("sieuapp.plugins.usage")

#: The use the gate let through, written when the request's context ends.
PENDING = "_sieuapp_module_usage"
#: Per app: the day and the uses this worker has written (or tried to) that day.
WRITTEN = "sieuapp.module_usage_written"
#: Distinct (person, module) pairs a worker remembers in a day before it starts over; past it, a
#: repeated use costs one insert that the constraint skips, never a wrong count.
REMEMBERED = 200_000

#: What erasure removes here (merged into ``erasure.ERASED``).
ERASED: dict[str, LocalizedText] = {
    "module_usage": LocalizedText(
        "Những ngày bạn đã dùng từng dịch vụ, cùng phường, xã nơi bạn ở lúc đó",
        "The days you used each service, with your home ward or commune then",
    ),
}


@dataclass(frozen=True)
class Use:
    tenant_id: int
    plugin_id: str
    day: date
    user_id: str


def note(plugin_id: str) -> None:
    """The caller passed the gate of ``plugin_id``: keep the use for the end of the request.

    Anonymous callers are not recorded: without a person there is no one to count once a day,
    and a counter per request is the write per request this design avoids. A public module's
    numbers are therefore those of its signed-in users."""
    principal = current_principal()
    if principal is None:
        return
    use = Use(principal.tenant_id, plugin_id, local_day(clock.now()), principal.user_id)
    if use not in _written(use.day):
        setattr(g, PENDING, use)


def flush(factory: sessionmaker[Session]) -> None:
    """Write the request's use, if it has one: after the request's own transaction ended, so
    that a plugin view's rollback does not take it along and SQLite's write lock is free."""
    use = g.pop(PENDING, None) if has_app_context() else None
    if use is None:
        return
    try:
        with unit_of_work(factory) as session:
            write(session, use)
    except Exception:  # noqa: BLE001 - a statistic must never fail the person's request
        log.exception("could not record the use of module %r", use.plugin_id)
    # Remembered even when the write failed: a database refusing writes is not asked again by
    # every request of the day; the use is lost, the log says so.
    _written(use.day).add(use)


def write(session: Session, use: Use) -> None:
    """The use's row with the person's home commune now, unless it is there already."""
    home = session.scalar(
        select(UserArea.unit_code).where(
            UserArea.tenant_id == use.tenant_id,
            UserArea.user_id == use.user_id,
            UserArea.kind == HOME,
        )
    )
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(ModuleUsage)
        .values(
            tenant_id=use.tenant_id,
            plugin_id=use.plugin_id,
            day=use.day,
            user_id=use.user_id,
            unit_code=home,
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "plugin_id", "day", "user_id"])
    )


def _written(day: date) -> set[Use]:
    kept: dict[str, Any] = current_app.extensions.setdefault(WRITTEN, {"day": day, "uses": set()})
    if kept["day"] != day or len(kept["uses"]) > REMEMBERED:
        kept["day"], kept["uses"] = day, set()
    uses: set[Use] = kept["uses"]
    return uses


def export_module_usage(session: Session, user_id: str) -> dict[str, Any]:
    """The days the person used each module, in every tenant, oldest first."""
    rows = session.execute(
        select(ModuleUsage, Tenant.slug)
        .join(Tenant, Tenant.id == ModuleUsage.tenant_id)
        .where(ModuleUsage.user_id == user_id)
        .order_by(ModuleUsage.day, ModuleUsage.plugin_id, Tenant.slug)
    ).all()
    return {
        "module_usage": [
            {
                "tenant": slug,
                "module": row.plugin_id,
                "day": row.day.isoformat(),
                "unit_code": row.unit_code,
            }
            for row, slug in rows
        ]
    }


def erase_module_usage(session: Session, user_id: str) -> dict[str, int]:
    """Delete the person's rows; the statistics of the days they used count one person less."""
    result = session.execute(delete(ModuleUsage).where(ModuleUsage.user_id == user_id))
    return {"module_usage": max(result.rowcount or 0, 0)}
