"""Distinct users of a tenant's modules over a range of days: per module and day, per module and
home commune, and per module over the whole range. One row a person, module and day
(``models.ModuleUsage``) makes a day's count a plain count and a range's a distinct count."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import ModuleUsage


@dataclass(frozen=True)
class Scope:
    """What is counted: a tenant's days from ``first`` to ``last`` included, of one module or
    of all (``plugin_id`` None)."""

    tenant_id: int
    first: date
    last: date
    plugin_id: str | None = None

    def days(self) -> list[date]:
        return [
            date.fromordinal(n) for n in range(self.first.toordinal(), self.last.toordinal() + 1)
        ]


def _where(scope: Scope) -> list[Any]:
    condition = [
        ModuleUsage.tenant_id == scope.tenant_id,
        ModuleUsage.day.between(scope.first, scope.last),
    ]
    if scope.plugin_id is not None:
        condition.append(ModuleUsage.plugin_id == scope.plugin_id)
    return condition


def by_day(session: Session, scope: Scope) -> dict[tuple[str, date], int]:
    """Users by (module, day), for the pairs that have any."""
    rows = session.execute(
        select(ModuleUsage.plugin_id, ModuleUsage.day, func.count())
        .where(*_where(scope))
        .group_by(ModuleUsage.plugin_id, ModuleUsage.day)
    )
    return {(module, day): users for module, day, users in rows}


def by_commune(session: Session, scope: Scope) -> Sequence[tuple[str, str | None, int]]:
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
            .where(*_where(scope))
            .group_by(ModuleUsage.plugin_id, ModuleUsage.unit_code)
        )
    ]


def by_module(session: Session, scope: Scope) -> dict[str, int]:
    """Distinct users over the range by module."""
    rows = session.execute(
        select(ModuleUsage.plugin_id, func.count(func.distinct(ModuleUsage.user_id)))
        .where(*_where(scope))
        .group_by(ModuleUsage.plugin_id)
    )
    return {module: users for module, users in rows}
