"""The deadline sweep: a reminder before the deadline, escalation after it (to the supervising
body and the IOC), closing what nobody rated; in working days of the tenant's calendar, once
each however often and by however many workers it runs."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sieuapp.core.notifications.models import Notification
from sieuapp.core.reports import deadlines, lifecycle, plugin_bridge
from sieuapp.core.reports.models import Holiday, Report, ReportEvent
from sieuapp.core.tasks.periodic import REPORTS_SWEEP
from sieuapp.core.tenancy.models import Organization
from sieuapp.sdk import Role
from sqlalchemy import select

from .oidc_support import with_passwords
from .reports_support import (
    MONDAY,
    assigned_report,
    make_category,
    make_member,
    org_id,
    role_actor,
    tenant_id,
    user_id,
)
from .support import Clock, database_url, install_clock, invoke

NOTHING = {"reminded": 0, "escalated": 0, "auto_closed": 0}


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return install_clock(monkeypatch, MONDAY)


@pytest.fixture(autouse=True)
def no_plugins_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plugin_bridge, "report_routed", lambda session, report: None)


def sweep(platform: Any) -> dict[str, int]:
    with platform.context() as session:
        return deadlines.sweep(session)


def kinds(platform: Any, user: str) -> list[str]:
    with platform.context() as session:
        return list(
            session.scalars(
                select(Notification.kind)
                .where(Notification.user_id == user)
                .order_by(Notification.id)
            )
        )


def actions(platform: Any, report_id: int) -> list[tuple[str, str | None]]:
    with platform.context() as session:
        return [
            (e.action, e.actor_label)
            for e in session.scalars(
                select(ReportEvent)
                .where(ReportEvent.report_id == report_id)
                .order_by(ReportEvent.id)
            )
        ]


def test_reminder_then_escalation_on_working_days_with_a_holiday(platform, clock) -> None:
    with platform.context() as session:
        # Tuesday off: three working days from Monday end on Friday, the reminder one working
        # day earlier, at the same time of day (Thursday 23:59:59 in Huế).
        session.add(Holiday(tenant_id=tenant_id(session), day=date(2026, 3, 3), name="Nghỉ"))
        construction = session.get(Organization, org_id(session, "so-xay-dung"))
        construction.parent_id = org_id(session, "ubnd-hue")
        officer = make_member(session, "kysu", "so-xay-dung")
        supervisor = make_member(session, "giamsat", "ubnd-hue")
        report = assigned_report(
            platform, session, make_category(session, deadline_days=3, reminder_days=1)
        )
        report_id = report.id
        deadline = report.deadline_at
    assert deadline == datetime(2026, 3, 6, 16, 59, 59, tzinfo=UTC)
    remind_at = datetime(2026, 3, 5, 16, 59, 59, tzinfo=UTC)
    ioc = user_id(platform, Role.IOC_OPERATOR)

    clock.now = remind_at - timedelta(seconds=1)
    assert sweep(platform) == NOTHING
    clock.now = remind_at
    assert sweep(platform) == {**NOTHING, "reminded": 1}
    assert sweep(platform) == NOTHING
    assert "report.deadline_near" in kinds(platform, officer)
    assert "report.deadline_near" in kinds(platform, user_id(platform, Role.OFFICIAL))
    assert "report.deadline_near" not in kinds(platform, supervisor)

    clock.now = deadline
    assert sweep(platform) == NOTHING
    clock.now = deadline + timedelta(seconds=1)
    assert sweep(platform) == {**NOTHING, "escalated": 1}
    assert sweep(platform) == NOTHING
    assert "report.overdue" in kinds(platform, supervisor)
    assert "report.overdue" in kinds(platform, ioc)
    assert "report.overdue" not in kinds(platform, officer)

    with platform.context() as session:
        report = session.get(Report, report_id)
        assert report.status == "assigned" and report.organization_id == construction.id
        assert report.reminded_at == remind_at
        assert report.escalated_at == deadline + timedelta(seconds=1)
    assert actions(platform, report_id)[-2:] == [("remind", "platform"), ("escalate", "platform")]


def test_a_weekend_is_skipped_and_a_worked_saturday_counts(platform, clock) -> None:
    with platform.context() as session:
        # Friday assignment, one working day: Monday; with Saturday worked, Saturday.
        session.add(
            Holiday(tenant_id=tenant_id(session), day=date(2026, 3, 14), name="Bù", working=True)
        )
        clock.now = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)
        plain = assigned_report(platform, session, make_category(session, deadline_days=1))
        assert plain.deadline_at == datetime(2026, 3, 9, 16, 59, 59, tzinfo=UTC)
        clock.now = datetime(2026, 3, 13, 2, 0, tzinfo=UTC)
        worked = assigned_report(
            platform, session, make_category(session, "other", deadline_days=1)
        )
        assert worked.deadline_at == datetime(2026, 3, 14, 16, 59, 59, tzinfo=UTC)
        plain_id = plain.id
    # The reminder for Monday's deadline comes one working day before: on Friday.
    with platform.context() as session:
        assert deadlines.sweep(session, datetime(2026, 3, 6, 16, 59, 58, tzinfo=UTC)) == NOTHING
        assert deadlines.sweep(session, datetime(2026, 3, 6, 16, 59, 59, tzinfo=UTC)) == {
            **NOTHING,
            "reminded": 1,
        }
        assert session.get(Report, plain_id).reminded_at is not None


def test_an_overdue_report_never_reminded_is_only_escalated(platform, clock) -> None:
    with platform.context() as session:
        report = assigned_report(platform, session, make_category(session, deadline_days=1))
        deadline, report_id = report.deadline_at, report.id
    clock.now = deadline + timedelta(days=3)
    assert sweep(platform) == {**NOTHING, "escalated": 1}
    assert [a for a, _ in actions(platform, report_id)][-1] == "escalate"
    assert "remind" not in [a for a, _ in actions(platform, report_id)]


def test_reports_no_longer_being_handled_are_left_alone(platform, clock) -> None:
    with platform.context() as session:
        category = make_category(session, deadline_days=1)
        official = role_actor(platform, session, Role.OFFICIAL)
        resolved = assigned_report(platform, session, category)
        lifecycle.transition(session, resolved, "resolve", official, note="Xong")
        rejected = assigned_report(platform, session, category)
        lifecycle.transition(session, rejected, "reject", official, note="Không phải việc tôi")
    clock.now = MONDAY + timedelta(days=5)
    assert sweep(platform) == NOTHING


def test_a_reassignment_starts_reminders_again(platform, clock) -> None:
    with platform.context() as session:
        report = assigned_report(platform, session, make_category(session, deadline_days=1))
        report_id = report.id
    clock.now = MONDAY + timedelta(days=2)
    assert sweep(platform)["escalated"] == 1
    with platform.context() as session:
        report = session.get(Report, report_id)
        lifecycle.transition(
            session,
            report,
            "assign",
            role_actor(platform, session, Role.IOC_OPERATOR),
            organization_id=org_id(session, "huewaco"),
        )
    clock.now += timedelta(days=7)
    assert sweep(platform)["escalated"] == 1


def test_a_resolved_report_nobody_rates_closes_after_seven_days(platform, clock) -> None:
    citizen = user_id(platform, Role.CITIZEN)
    with platform.context() as session:
        category = make_category(session)
        official = role_actor(platform, session, Role.OFFICIAL)
        unrated = assigned_report(platform, session, category)
        lifecycle.transition(session, unrated, "resolve", official, note="Đã vá")
        rated = assigned_report(platform, session, category)
        lifecycle.transition(session, rated, "resolve", official, note="Đã vá")
        lifecycle.transition(
            session, rated, "rate", role_actor(platform, session, Role.CITIZEN), rating="accepted"
        )
        unrated_id, rated_id = unrated.id, rated.id
    clock.now = MONDAY + timedelta(days=7, seconds=-1)
    assert sweep(platform) == NOTHING
    clock.now = MONDAY + timedelta(days=7)
    assert sweep(platform) == {**NOTHING, "auto_closed": 1}
    assert sweep(platform) == NOTHING
    with platform.context() as session:
        report = session.get(Report, unrated_id)
        assert (report.status, report.rating, report.closed_at) == ("closed", None, clock.now)
        assert session.get(Report, rated_id).rating == "accepted"
    assert actions(platform, unrated_id)[-1] == ("close", "platform")
    assert kinds(platform, citizen).count("report.status_changed") >= 5


def test_a_report_changed_meanwhile_is_skipped_not_fatal(platform, clock, monkeypatch) -> None:
    with platform.context() as session:
        category = make_category(session, deadline_days=1)
        first = assigned_report(platform, session, category)
        second = assigned_report(platform, session, category)
        first_id = first.id
    real = lifecycle.transition

    def racing(session: Any, report: Report, action: str, actor: Any, **kwargs: Any) -> Any:
        if report.id == first_id:
            raise lifecycle.Conflict("changed", {"version": ["changed"]})
        return real(session, report, action, actor, **kwargs)

    monkeypatch.setattr(deadlines, "transition", racing)
    clock.now = MONDAY + timedelta(days=3)
    assert sweep(platform) == {**NOTHING, "escalated": 1}
    with platform.context() as session:
        assert session.get(Report, first_id).escalated_at is None
        assert session.get(Report, second.id).escalated_at == clock.now


@pytest.mark.postgres
def test_two_workers_sweeping_at_once_escalate_each_report_once(platform, clock) -> None:
    assert platform.runtime.engine.dialect.name == "postgresql"
    with platform.context() as session:
        category = make_category(session, deadline_days=1)
        for _ in range(6):
            assigned_report(platform, session, category)
    clock.now = MONDAY + timedelta(days=3)
    results: list[dict[str, int]] = []
    start = threading.Barrier(2)

    def worker() -> None:
        with platform.context() as session:
            start.wait()
            results.append(deadlines.sweep(session))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r["escalated"] for r in results) == 6
    with platform.context() as session:
        escalations = session.scalars(
            select(ReportEvent.id).where(ReportEvent.action == "escalate")
        ).all()
    assert len(escalations) == 6


# -- wiring -------------------------------------------------------------------------------------


# Building the platform's Celery app in a process where another test built one declares the same
# task names again, and celery warns of it; this test only reads the schedule.
@pytest.mark.filterwarnings("ignore::celery.exceptions.DuplicateTaskNameWarning")
def test_the_sweep_is_a_periodic_job_of_every_backend(platform, clock) -> None:
    runtime = platform.runtime
    assert runtime.periodic_jobs["reports.sweep"] == REPORTS_SWEEP
    with platform.context() as session:
        report = assigned_report(platform, session, make_category(session, deadline_days=1))
        report_id = report.id
    clock.now = MONDAY + timedelta(days=3)
    assert "reports.sweep" in runtime.run_due_periodic()
    # Not due again before its interval has passed in this process.
    assert "reports.sweep" not in runtime.run_due_periodic()
    with platform.context() as session:
        assert session.get(Report, report_id).escalated_at == clock.now

    from sieuapp.core.tasks.celery_app import make_celery

    celery = make_celery(runtime)
    entry = celery.conf.beat_schedule["sieuapp-periodic-reports.sweep"]
    assert entry == {
        "task": "sieuapp.run_periodic",
        "schedule": REPORTS_SWEEP.seconds,
        "args": ["reports.sweep"],
    }
    assert "sieuapp.run_periodic" in celery.tasks


def test_the_inline_pump_runs_periodic_jobs(platform) -> None:
    ran = threading.Event()
    backend = type(platform.runtime.task_backend)(
        lambda message_id: "done", lambda: [], periodic=ran.set
    )
    try:
        backend.start(interval=0.01)
        assert ran.wait(timeout=30)
    finally:
        backend.shutdown()


def test_sieuapp_reports_sweep_and_seed_categories(make_platform, tmp_path: Path, clock) -> None:
    url = database_url(tmp_path / "reports.sqlite3")
    platform = make_platform(plugins=[], database_url=url)
    with_passwords(platform)
    with platform.context() as session:
        assigned_report(platform, session, make_category(session, deadline_days=1))
    env = {
        "SIEUAPP_DATABASE_URL": url,
        "SIEUAPP_INSTANCE_PATH": str(tmp_path / "cli"),
        "SIEUAPP_PLUGINS": "",
        "SIEUAPP_DEFAULT_TENANT": "hue",
        "SIEUAPP_SECRET_KEY": "cli-test",
    }
    clock.now = MONDAY + timedelta(days=3)
    result = invoke(["reports", "sweep"], env)
    assert "escalated 1" in result.output
    assert "escalated 0" in invoke(["reports", "sweep"], env).output
    seeded = invoke(["reports", "seed-categories"], env)
    assert seeded.output.startswith("hue: ")
    assert invoke(["reports", "seed-categories"], env).output.strip() == "hue: thêm / added 0"
