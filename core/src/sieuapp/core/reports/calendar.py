"""Working days of a tenant: Monday to Friday, less its days off, plus the weekend days worked in
compensation ("ngày làm bù"); days are those of Vietnam (Asia/Ho_Chi_Minh, no daylight saving)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import ZONE
from .models import Holiday

END_OF_DAY = time(23, 59, 59)
#: No run of days off is this long; a calendar claiming one is broken, not a reason to loop on.
_LONGEST_BREAK = 366


def local_day(moment: datetime) -> date:
    """The day in Vietnam at an aware ``moment``."""
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    return moment.astimezone(ZONE).date()


def end_of_day(day: date) -> datetime:
    """23:59:59 in Vietnam on ``day``, as aware UTC."""
    return datetime.combine(day, END_OF_DAY, ZONE).astimezone(UTC)


@dataclass(frozen=True)
class WorkCalendar:
    """A tenant's calendar, loaded once for many computations (statistics)."""

    #: Day -> worked or not, for days that differ from the Monday-to-Friday rule.
    overrides: Mapping[date, bool] = field(default_factory=dict)

    def is_working(self, day: date) -> bool:
        override = self.overrides.get(day)
        if override is not None:
            return override
        return day.weekday() < 5

    def _step(self, day: date, days: int, direction: int) -> date:
        if days < 0:
            raise ValueError("days must not be negative")
        remaining = days
        idle = 0
        while remaining:
            day += timedelta(days=direction)
            if self.is_working(day):
                remaining -= 1
                idle = 0
            else:
                idle += 1
                if idle > _LONGEST_BREAK:
                    raise ValueError("the calendar has no working day in a whole year")
        return day

    def add(self, start: datetime, days: int) -> datetime:
        """End of the ``days``-th working day after ``start``'s day (``0``: end of that day)."""
        return end_of_day(self._step(local_day(start), days, 1))

    def subtract(self, end: datetime, days: int) -> datetime:
        """The same local time, ``days`` working days before ``end``'s day."""
        local = end.astimezone(ZONE)
        day = self._step(local.date(), days, -1)
        return datetime.combine(day, local.time(), ZONE).astimezone(UTC)

    def between(self, start: datetime, end: datetime) -> int:
        """Working days after ``start``'s day up to and including ``end``'s day (0 if none)."""
        first, last = local_day(start), local_day(end)
        count = 0
        day = first + timedelta(days=1)
        while day <= last:
            count += self.is_working(day)
            day += timedelta(days=1)
        return count


def load_calendar(session: Session, tenant_id: int) -> WorkCalendar:
    rows = session.execute(
        select(Holiday.day, Holiday.working).where(Holiday.tenant_id == tenant_id)
    ).all()
    return WorkCalendar({day: working for day, working in rows})


def is_working_day(session: Session, tenant_id: int, day: date) -> bool:
    working = session.scalar(
        select(Holiday.working).where(Holiday.tenant_id == tenant_id, Holiday.day == day)
    )
    return working if working is not None else day.weekday() < 5


def add_working_days(session: Session, tenant_id: int, start: datetime, days: int) -> datetime:
    """The deadline ``days`` working days after ``start``: the end (23:59:59 in Vietnam) of the
    ``days``-th working day after ``start``'s local day, as aware UTC."""
    return load_calendar(session, tenant_id).add(start, days)


def subtract_working_days(session: Session, tenant_id: int, end: datetime, days: int) -> datetime:
    """``days`` working days before ``end``, same local time (when to remind before a deadline)."""
    return load_calendar(session, tenant_id).subtract(end, days)


def working_days_between(session: Session, tenant_id: int, start: datetime, end: datetime) -> int:
    """Working days after ``start``'s local day up to ``end``'s: how long handling took."""
    return load_calendar(session, tenant_id).between(start, end)
