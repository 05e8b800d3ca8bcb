"""Working days for report deadlines: Monday to Friday in Vietnam, less the tenant's days off
(Tết), plus the Saturdays worked in compensation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import g
from hypothesis import given
from hypothesis import strategies as st
from sieuapp.core.clock import ZONE
from sieuapp.core.reports.calendar import (
    WorkCalendar,
    add_working_days,
    end_of_day,
    is_working_day,
    load_calendar,
    local_day,
    subtract_working_days,
    working_days_between,
)
from sieuapp.core.reports.models import Holiday
from sieuapp.core.tenancy.provinces import create_tenant

#: Tết Bính Ngọ: Saturday 14 to Sunday 22 February 2026 off for public servants.
TET_2026 = [date(2026, 2, 14) + timedelta(days=i) for i in range(9)]
#: 2025: Saturday 26 April worked so that Friday 2 May joins 30 April - 4 May.
WORKED_SATURDAY = date(2025, 4, 26)
BRIDGE_FRIDAY = date(2025, 5, 2)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZONE)


@pytest.fixture
def platform(make_platform):
    p = make_platform(plugins=[])
    with p.context() as session:
        tenant_id = g.tenant.id
        for day in TET_2026:
            session.add(Holiday(tenant_id=tenant_id, day=day, name="Tết Nguyên đán", name_en="Tết"))
        for day, name, name_en in [
            (date(2025, 4, 30), "Ngày Giải phóng miền Nam", "Reunification Day"),
            (date(2025, 5, 1), "Quốc tế Lao động", "Labour Day"),
            (BRIDGE_FRIDAY, "Nghỉ bù", "Bridge day off"),
        ]:
            session.add(Holiday(tenant_id=tenant_id, day=day, name=name, name_en=name_en))
        session.add(
            Holiday(
                tenant_id=tenant_id,
                day=WORKED_SATURDAY,
                name="Làm bù cho ngày 2/5",
                name_en="Worked for 2 May",
                working=True,
            )
        )
    return p


# -- against the database -----------------------------------------------------------------------


def test_weekdays_weekends_holidays_and_worked_saturdays(platform):
    with platform.context() as session:
        tenant_id = g.tenant.id
        assert is_working_day(session, tenant_id, date(2026, 2, 13))  # Friday before Tết
        assert not is_working_day(session, tenant_id, date(2026, 2, 16))  # Monday of Tết
        assert not is_working_day(session, tenant_id, date(2026, 2, 21))  # Saturday of Tết
        assert is_working_day(session, tenant_id, date(2026, 2, 23))
        assert not is_working_day(session, tenant_id, date(2026, 3, 7))  # plain Saturday
        assert not is_working_day(session, tenant_id, date(2026, 3, 8))  # plain Sunday
        assert is_working_day(session, tenant_id, WORKED_SATURDAY)
        assert not is_working_day(session, tenant_id, BRIDGE_FRIDAY)


def test_a_deadline_spanning_tet_skips_the_whole_holiday(platform):
    with platform.context() as session:
        # Assigned on Thursday 12 February 2026, 10:00 in Huế, with 2 working days.
        start = local(2026, 2, 12, 10, 0)
        deadline = add_working_days(session, g.tenant.id, start, 2)
        assert deadline == local(2026, 2, 23, 23, 59, 59)
        assert deadline.tzinfo == UTC
        assert deadline == utc(2026, 2, 23, 16, 59, 59)
        assert add_working_days(session, g.tenant.id, start, 1) == local(2026, 2, 13, 23, 59, 59)


def test_a_compensatory_saturday_counts(platform):
    with platform.context() as session:
        tenant_id = g.tenant.id
        start = local(2025, 4, 24, 9, 0)  # Thursday
        assert add_working_days(session, tenant_id, start, 1) == local(2025, 4, 25, 23, 59, 59)
        assert add_working_days(session, tenant_id, start, 2) == local(2025, 4, 26, 23, 59, 59)
        # Monday 28, Tuesday 29 April, then 30 April - 4 May off.
        assert add_working_days(session, tenant_id, start, 4) == local(2025, 4, 29, 23, 59, 59)
        assert add_working_days(session, tenant_id, start, 5) == local(2025, 5, 5, 23, 59, 59)


def test_the_day_is_the_day_in_vietnam_not_in_utc(platform):
    with platform.context() as session:
        # 18:00 UTC on Thursday is 01:00 on Friday in Huế: Friday is the start day.
        start = utc(2026, 3, 5, 18, 0)
        assert add_working_days(session, g.tenant.id, start, 1) == utc(2026, 3, 9, 16, 59, 59)
        assert add_working_days(session, g.tenant.id, start, 0) == utc(2026, 3, 6, 16, 59, 59)
        # 16:59 UTC on Thursday is still Thursday (23:59) in Huế.
        assert add_working_days(session, g.tenant.id, utc(2026, 3, 5, 16, 59), 1) == utc(
            2026, 3, 6, 16, 59, 59
        )


def test_reminders_count_back_in_working_days(platform):
    with platform.context() as session:
        tenant_id = g.tenant.id
        deadline = local(2026, 2, 23, 23, 59, 59)
        # One working day before Monday 23 February is Friday 13, before Tết.
        assert subtract_working_days(session, tenant_id, deadline, 1) == local(
            2026, 2, 13, 23, 59, 59
        )
        assert subtract_working_days(session, tenant_id, deadline, 0) == deadline
        bridge_deadline = local(2025, 5, 5, 23, 59, 59)
        assert subtract_working_days(session, tenant_id, bridge_deadline, 2) == local(
            2025, 4, 28, 23, 59, 59
        )
        # The third is the Saturday worked in compensation.
        assert subtract_working_days(session, tenant_id, bridge_deadline, 3) == local(
            2025, 4, 26, 23, 59, 59
        )


def test_working_days_between(platform):
    with platform.context() as session:
        tenant_id = g.tenant.id
        start = local(2026, 2, 12, 8)
        assert working_days_between(session, tenant_id, start, local(2026, 2, 12, 17)) == 0
        assert working_days_between(session, tenant_id, start, local(2026, 2, 22, 17)) == 1
        assert working_days_between(session, tenant_id, start, local(2026, 2, 24, 9)) == 3
        assert working_days_between(session, tenant_id, local(2026, 2, 24, 9), start) == 0


def test_each_tenant_has_its_own_calendar(platform):
    with platform.context() as session:
        danang = create_tenant(session, "danang", 48)
        assert is_working_day(session, danang.id, date(2026, 2, 16))
        assert not is_working_day(session, danang.id, WORKED_SATURDAY)
        start = local(2026, 2, 12, 10)
        assert add_working_days(session, danang.id, start, 2) == local(2026, 2, 16, 23, 59, 59)
        assert load_calendar(session, danang.id).overrides == {}
        assert len(load_calendar(session, g.tenant.id).overrides) == len(TET_2026) + 4


def test_bad_arguments_are_refused(platform):
    with platform.context() as session:
        with pytest.raises(ValueError):
            add_working_days(session, g.tenant.id, local(2026, 1, 5), -1)
        with pytest.raises(ValueError):
            add_working_days(session, g.tenant.id, datetime(2026, 1, 5, 8), 1)


def test_a_calendar_without_working_days_does_not_loop_forever():
    everything_off = WorkCalendar({date(2026, 1, 1) + timedelta(days=i): False for i in range(800)})
    with pytest.raises(ValueError):
        everything_off.add(local(2026, 1, 1), 1)


# -- properties ---------------------------------------------------------------------------------

DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))


@st.composite
def calendars(draw: st.DrawFn) -> WorkCalendar:
    off = draw(st.sets(DAYS, max_size=40))
    worked = draw(st.sets(DAYS.filter(lambda d: d.weekday() >= 5), max_size=8))
    overrides = {d: False for d in off} | {d: True for d in worked}
    return WorkCalendar(overrides)


MOMENTS = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2028, 6, 30), timezones=st.just(UTC)
)


@given(calendars(), MOMENTS, st.integers(0, 60))
def test_a_deadline_is_the_end_of_a_working_day_n_working_days_later(calendar, start, days):
    deadline = calendar.add(start, days)
    assert deadline.tzinfo == UTC
    due = local_day(deadline)
    assert deadline.astimezone(ZONE).time() == time(23, 59, 59)
    assert calendar.between(start, deadline) == days
    if days:
        assert calendar.is_working(due)
        assert due > local_day(start)
    else:
        assert due == local_day(start)


@given(calendars(), MOMENTS, st.integers(0, 40), st.integers(0, 40))
def test_deadlines_grow_with_the_days_and_compose(calendar, start, a, b):
    first = calendar.add(start, a)
    assert calendar.add(start, a + b) == calendar.add(first, b)
    if b:
        assert calendar.add(start, a + b) > first


@given(calendars(), MOMENTS, st.integers(0, 40))
def test_counting_back_undoes_counting_forward_from_a_working_day(calendar, start, days):
    if not calendar.is_working(local_day(start)):
        return
    assert calendar.subtract(calendar.add(start, days), days) == end_of_day(local_day(start))


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_vietnam_has_no_daylight_saving(day):
    # +07:00 all year: every working day ends at 16:59:59 UTC, whatever the season.
    assert end_of_day(day) == datetime.combine(day, time(16, 59, 59), UTC)
    noon = datetime.combine(day, time(12), ZONE)
    assert noon.utcoffset() == timedelta(hours=7)


@given(calendars(), DAYS)
def test_the_default_week_is_monday_to_friday(calendar, day):
    if day in calendar.overrides:
        assert calendar.is_working(day) == calendar.overrides[day]
    else:
        assert calendar.is_working(day) == (day.weekday() < 5)
