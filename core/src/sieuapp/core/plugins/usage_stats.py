"""Distinct users of a tenant's modules over a range of days: per module and day, per module and
home commune, and per module over the whole range. One row a person, module and day
(``models.ModuleUsage``) makes a day's count a plain count and a range's a distinct count."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import ModuleUsage


def _where(tenant_id: int, first: date, last: date, plugin_id: str | None) -> list[Any]:
    condition = [ModuleUsage.tenant_id == tenant_id, ModuleUsage.day.between(first, last)]
    if plugin_id is not None:
        condition.append(ModuleUsage.plugin_id == plugin_id)
    return condition


def by_day(
    session: Session, tenant_id: int, first: date, last: date, plugin_id: str | None = None
) -> dict[tuple[str, date], int]:
    """Users by (module, day), for the pairs that have any."""
    rows = session.execute(
        select(ModuleUsage.plugin_id, ModuleUsage.day, func.count())
        .where(*_where(tenant_id, first, last, plugin_id))
        .group_by(ModuleUsage.plugin_id, ModuleUsage.day)
    )
    return {(module, day): users for module, day, users in rows}


def by_commune(
    session: Session, tenant_id: int, first: date, last: date, plugin_id: str | None = None
) -> Sequence[tuple[str, str | None, int]]:
    """Distinct users over the range by (module, home commune); None for no home commune. A
    person whose home changed within the range counts in each commune they had."""
    return [
        (module, code, users)
        for module, code, users in session.execute(
            select(
                ModuleUsage.plugin_id,
                ModuleUsage.unit_code,
                func.count(func.distinct(ModuleUsage.user_id)),
            )
            .where(*_where(tenant_id, first, last, plugin_id))
            .group_by(ModuleUsage.plugin_id, ModuleUsage.unit_code)
        )
    ]


def by_module(
    session: Session, tenant_id: int, first: date, last: date, plugin_id: str | None = None
) -> dict[str, int]:
    """Distinct users over the range by module."""
    rows = session.execute(
        select(ModuleUsage.plugin_id, func.count(func.distinct(ModuleUsage.user_id)))
        .where(*_where(tenant_id, first, last, plugin_id))
        .group_by(ModuleUsage.plugin_id)
    )
    return {module: users for module, users in rows}
