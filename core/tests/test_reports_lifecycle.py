"""The report state machine: every step allowed and refused, by whom, with what; history,
audit, notifications, dispute window, merging, and two officials acting at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.notifications.models import Notification
from sieuapp.core.reports import access, lifecycle, plugin_bridge
from sieuapp.core.reports.access import Actor
from sieuapp.core.reports.models import Report, ReportEvent, ReportFollower
from sieuapp.core.tenancy.models import Organization
from sieuapp.sdk import Role
from sieuapp.sdk.errors import Conflict, Forbidden, InvalidInput
from sqlalchemy import func, select

from .reports_support import (
    MONDAY,
    actor_for,
    assigned_report,
    make_category,
    make_member,
    new_report,
    org_id,
    role_actor,
    tenant_id,
    user_id,
)
from .support import Clock, install_clock

CONSTRUCTION = "so-xay-dung"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return install_clock(monkeypatch, MONDAY)


@pytest.fixture
def routed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int | None]]:
    calls: list[tuple[int, int | None]] = []
    monkeypatch.setattr(
        plugin_bridge, "report_routed", lambda s, r: calls.append((r.id, r.organization_id))
    )
    return calls


def events(session: Any, report: Report) -> list[ReportEvent]:
    return list(
        session.scalars(
            select(ReportEvent).where(ReportEvent.report_id == report.id).order_by(ReportEvent.id)
        )
    )


def inbox(session: Any, user: str, kind: str | None = None) -> list[Notification]:
    condition = [Notification.user_id == user]
    if kind:
        condition.append(Notification.kind == kind)
    return list(session.scalars(select(Notification).where(*condition).order_by(Notification.id)))


def audits(session: Any, report: Report) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.target == f"report:{report.id}")
            .order_by(AuditEntry.id)
        )
    )


# -- the whole way ------------------------------------------------------------------------------


def test_a_report_goes_the_whole_way_with_history_audit_and_notifications(
    platform, clock, routed
) -> None:
    citizen = user_id(platform, Role.CITIZEN)
    with platform.context() as session:
        category = make_category(session, deadline_days=3)
        officer = make_member(session, "kysu", CONSTRUCTION)
        report = new_report(session, category, citizen)
        ioc = role_actor(platform, session, Role.IOC_OPERATOR)
        official = role_actor(platform, session, Role.OFFICIAL)
        reporter = actor_for(session, citizen)

        lifecycle.transition(session, report, "moderate", ioc)
        assert report.public is True and report.moderated_at == MONDAY
        lifecycle.transition(session, report, "assign", ioc)
        assert report.organization_id == org_id(session, CONSTRUCTION)
        assert report.assigned_at == MONDAY
        # Three working days from Monday: the end of Thursday in Huế.
        assert report.deadline_at == datetime(2026, 3, 5, 16, 59, 59, tzinfo=UTC)
        assert routed == [(report.id, report.organization_id)]
        clock.advance(3600)
        lifecycle.transition(session, report, "start", official)
        lifecycle.transition(session, report, "request_info", official, note="Số nhà chính xác?")
        lifecycle.transition(session, report, "provide_info", reporter, note="Số 12")
        lifecycle.transition(session, report, "resolve", official, note="Đã vá ổ gà.")
        assert report.answer == "Đã vá ổ gà." and report.resolved_at == clock.now
        lifecycle.transition(session, report, "rate", reporter, rating="satisfied")
        assert (report.status, report.rating, report.closed_at) == (
            "closed",
            "satisfied",
            clock.now,
        )
        history = events(session, report)
        assert [(e.action, e.from_status, e.to_status) for e in history] == [
            ("submitted", None, "submitted"),
            ("moderate", "submitted", "moderated"),
            ("assign", "moderated", "assigned"),
            ("start", "assigned", "in_progress"),
            ("request_info", "in_progress", "info_requested"),
            ("provide_info", "info_requested", "in_progress"),
            ("resolve", "in_progress", "resolved"),
            ("rate", "resolved", "closed"),
        ]
        assert [e.public for e in history] == [True, True, True, True, False, False, True, True]
        assert history[4].note == "Số nhà chính xác?"
        assert history[6].actor_id == official.user_id
        rows = audits(session, report)
        assert [a.action for a in rows] == [f"report.{e.action}" for e in history]
        assert rows[1].before["status"] == "submitted" and rows[1].after["status"] == "moderated"
        assert rows[1].actor_id == ioc.user_id
        # The reporter hears of every change but their own (provide_info, rate).
        changes = inbox(session, citizen, "report.status_changed")
        assert [n.data["status"] for n in changes] == [
            "moderated",
            "assigned",
            "in_progress",
            "info_requested",
            "resolved",
        ]
        assert "Số nhà chính xác?" in changes[3].body and changes[3].title_en
        assert inbox(session, citizen, "report.submitted")
        # The organization hears of the assignment and of the reporter's answer.
        assert [n.kind for n in inbox(session, officer)] == [
            "report.assigned",
            "report.reporter_replied",
        ]
        assert report.updated_at == clock.now


# -- every step from every state ----------------------------------------------------------------


def _prepare(
    platform: Any, session: Any, action: str, state: str, category: Any = None
) -> tuple[Report, dict]:
    category = category or make_category(session)
    report = new_report(session, category, user_id(platform, Role.CITIZEN))
    report.status = state
    report.organization_id = org_id(session, CONSTRUCTION)
    report.rating = "not_satisfied"
    report.closed_at = MONDAY
    session.flush()
    kwargs: dict[str, Any] = {"note": "Ghi chú"}
    if action == "rate":
        kwargs["rating"] = "accepted"
    if action == "assign":
        kwargs["organization_id"] = org_id(session, "huewaco")
    if action == "merge":
        kwargs["into"] = new_report(session, category, None)
    return report, kwargs


def _everyone(platform: Any, session: Any, action: str) -> Actor:
    """An actor passing every 'who' check, to test the states alone."""
    if action in ("remind", "escalate", "close"):
        return Actor.platform()
    return Actor(
        user_id=user_id(platform, Role.CITIZEN),
        label="all",
        roles=frozenset({Role.IOC_OPERATOR.value}),
        organization_ids=frozenset({org_id(session, CONSTRUCTION)}),
    )


def test_every_allowed_step(platform, clock, routed) -> None:
    allowed = [
        (action, state)
        for action, rule in lifecycle.TRANSITIONS.items()
        for state in lifecycle.STATES
        if rule.sources is None or state in rule.sources
    ]
    assert len(allowed) == 44
    with platform.context() as session:
        category = make_category(session)
        for action, state in allowed:
            report, kwargs = _prepare(platform, session, action, state, category)
            event = lifecycle.transition(
                session, report, action, _everyone(platform, session, action), **kwargs
            )
            rule = lifecycle.TRANSITIONS[action]
            assert event.action == action and event.from_status == state
            assert report.status == (rule.target or state) == event.to_status, (action, state)
            assert audits(session, report)[-1].action == f"report.{action}"


def test_every_refused_step_changes_nothing(platform, clock) -> None:
    refused_steps = [
        (action, state)
        for action, rule in lifecycle.TRANSITIONS.items()
        for state in lifecycle.STATES
        if rule.sources is not None and state not in rule.sources
    ]
    assert len(refused_steps) == 106
    with platform.context() as session:
        category = make_category(session)
        for action, state in refused_steps:
            report, kwargs = _prepare(platform, session, action, state, category)
            before = len(events(session, report))
            with pytest.raises(Conflict) as refused:
                lifecycle.transition(
                    session, report, action, _everyone(platform, session, action), **kwargs
                )
            assert refused.value.errors == {"status": [state]}
            assert report.status == state
            assert len(events(session, report)) == before


def test_an_unknown_action_is_refused_by_name(platform) -> None:
    with platform.context() as session:
        report = new_report(session, make_category(session), user_id(platform, Role.CITIZEN))
        with pytest.raises(InvalidInput) as refused:
            lifecycle.transition(
                session, report, "approve", role_actor(platform, session, Role.IOC_OPERATOR)
            )
        assert "action" in refused.value.errors


# -- who ----------------------------------------------------------------------------------------

WHO_REFUSED = [
    # (action, state, who)
    ("moderate", "submitted", "reporter"),
    ("moderate", "submitted", "official"),
    ("moderate", "submitted", "platform"),
    ("assign", "moderated", "official"),
    ("dismiss", "submitted", "supervisor"),
    ("start", "assigned", "other_official"),
    ("start", "assigned", "supervisor"),
    ("start", "assigned", "partner"),
    ("start", "assigned", "reporter"),
    ("resolve", "in_progress", "reporter"),
    ("resolve", "in_progress", "stranger"),
    ("reject", "assigned", "platform"),
    ("request_info", "assigned", "other_official"),
    ("provide_info", "info_requested", "official"),
    ("provide_info", "info_requested", "ioc"),
    ("rate", "resolved", "official"),
    ("rate", "resolved", "ioc"),
    ("close", "resolved", "reporter"),
    ("close", "resolved", "official"),
    ("dispute", "closed", "ioc"),
    ("dispute", "closed", "stranger"),
    ("merge", "moderated", "official"),
    ("comment", "assigned", "stranger"),
    ("comment", "assigned", "supervisor"),
    ("remind", "assigned", "ioc"),
    ("escalate", "assigned", "official"),
]


def _who(platform: Any, session: Any, who: str, made: dict[str, Actor] | None = None) -> Actor:
    made = {} if made is None else made
    if who in made:
        return made[who]
    if who == "platform":
        actor = Actor.platform()
    elif who in ("reporter", "official", "ioc", "partner"):
        role = {
            "reporter": Role.CITIZEN,
            "official": Role.OFFICIAL,
            "ioc": Role.IOC_OPERATOR,
            "partner": Role.PARTNER_STAFF,
        }[who]
        actor = role_actor(platform, session, role)
    elif who == "other_official":
        actor = actor_for(session, make_member(session, "yte", "so-y-te"))
    elif who == "supervisor":
        construction = session.get(Organization, org_id(session, CONSTRUCTION))
        construction.parent_id = org_id(session, "ubnd-hue")
        actor = actor_for(session, make_member(session, "giamsat", "ubnd-hue"))
    else:
        actor = actor_for(session, make_member(session, "nguoila", "ubnd-hue", "citizen"))
    made[who] = actor
    return actor


def test_steps_refused_to_whoever_may_not_take_them(platform, clock) -> None:
    made: dict[str, Actor] = {}
    with platform.context() as session:
        category = make_category(session)
        for action, state, who in WHO_REFUSED:
            report, kwargs = _prepare(platform, session, action, state, category)
            actor = _who(platform, session, who, made)
            with pytest.raises(Forbidden) as refused:
                lifecycle.transition(session, report, action, actor, **kwargs)
            assert "action" in refused.value.errors, (action, who)
            assert report.status == state


def test_a_supervisor_sees_the_queue_below_but_does_not_act(platform, clock, routed) -> None:
    with platform.context() as session:
        construction = session.get(Organization, org_id(session, CONSTRUCTION))
        construction.parent_id = org_id(session, "ubnd-hue")
        supervisor = actor_for(session, make_member(session, "giamsat", "ubnd-hue"))
        report = assigned_report(platform, session, make_category(session))
        other = assigned_report(platform, session, make_category(session, "water", "huewaco"))
        assert access.can_view(session, supervisor, report)
        assert not access.can_view(session, supervisor, other)
        handled = access.handled_org_ids(session, supervisor)
        assert construction.id in handled and org_id(session, "ubnd-hue") in handled
        communes = session.scalars(
            select(Organization.id).where(Organization.kind == "commune")
        ).all()
        assert set(communes) <= handled
        queue = session.scalars(
            select(Report.id).where(access.queue_condition(session, supervisor, report.tenant_id))
        ).all()
        assert queue == [report.id]
        with pytest.raises(Forbidden):
            lifecycle.transition(session, report, "start", supervisor)


def test_queues_and_views_per_role(platform, routed) -> None:
    with platform.context() as session:
        tid = tenant_id(session)
        report = assigned_report(platform, session, make_category(session))
        partner = role_actor(platform, session, Role.PARTNER_STAFF)
        official = role_actor(platform, session, Role.OFFICIAL)
        ioc = role_actor(platform, session, Role.IOC_OPERATOR)
        stranger = actor_for(session, make_member(session, "khach", "ubnd-hue", "citizen"))

        def queue(actor: Actor) -> list[int]:
            condition = access.queue_condition(session, actor, tid)
            return list(session.scalars(select(Report.id).where(condition)))

        assert queue(official) == [report.id] == queue(ioc)
        assert queue(partner) == []
        assert queue(Actor(user_id=None, label="nobody")) == []
        assert (
            list(
                session.scalars(
                    select(Report.id).where(access.queue_condition(session, ioc, tid + 1))
                )
            )
            == []
        )
        assert access.can_view(session, official, report)
        assert access.can_view(session, role_actor(platform, session, Role.CITIZEN), report)
        assert not access.can_view(session, partner, report)
        assert not access.can_view(session, stranger, report)
        session.add(ReportFollower(report_id=report.id, user_id=stranger.user_id))
        session.flush()
        assert access.can_view(session, stranger, report)
        assert access.is_ioc(role_actor(platform, session, Role.PROVINCE_ADMIN))
        assert not access.is_ioc(official)


def test_an_anonymous_reporter_is_known_to_the_ioc_only(platform, routed) -> None:
    citizen = user_id(platform, Role.CITIZEN)
    with platform.context() as session:
        category = make_category(session)
        hidden = new_report(session, category, citizen, anonymous=True)
        named = new_report(session, category, citizen)
        official = role_actor(platform, session, Role.OFFICIAL)
        ioc = role_actor(platform, session, Role.IOC_OPERATOR)
        public = Actor(user_id=None, label="public", roles=frozenset({Role.ANONYMOUS.value}))
        plugin = Actor(user_id=None, label="hotlines", plugin_id="hotlines")
        assert access.may_see_reporter(ioc, hidden)
        assert access.may_see_reporter(actor_for(session, citizen), hidden)
        assert access.may_see_reporter(Actor.platform(), hidden)
        assert not access.may_see_reporter(official, hidden)
        assert not access.may_see_reporter(plugin, hidden)
        assert not access.may_see_reporter(public, hidden)
        assert access.may_see_reporter(official, named)
        assert access.may_see_reporter(plugin, named)
        assert not access.may_see_reporter(public, named)


def test_a_plugin_or_partner_system_serving_the_organization_acts_as_handler(
    platform, routed
) -> None:
    with platform.context() as session:
        report = assigned_report(platform, session, make_category(session))
        served = frozenset({org_id(session, CONSTRUCTION)})
        plugin = Actor(
            user_id=None, label="hotlines", plugin_id="hotlines", organization_ids=served
        )
        partner = Actor(user_id=None, label="crm", open311_client_id=None, organization_ids=served)
        lifecycle.transition(session, report, "start", plugin)
        event = lifecycle.transition(
            session, report, "comment", partner, note="Đội đã tới", public=True, external_id="u1"
        )
        assert event.public and event.external_id == "u1" and report.status == "in_progress"
        assert audits(session, report)[-2].plugin_id == "hotlines"
        elsewhere = Actor(user_id=None, label="x", plugin_id="x", organization_ids=frozenset({1}))
        with pytest.raises(Forbidden):
            lifecycle.transition(session, report, "resolve", elsewhere, note="Xong")


# -- what each step needs -----------------------------------------------------------------------


NEEDS_NOTE = [
    ("dismiss", "submitted", "ioc"),
    ("request_info", "assigned", "official"),
    ("provide_info", "info_requested", "reporter"),
    ("resolve", "in_progress", "official"),
    ("reject", "assigned", "official"),
    ("dispute", "closed", "reporter"),
    ("comment", "assigned", "official"),
]


def test_a_missing_note_is_named(platform, clock) -> None:
    made: dict[str, Actor] = {}
    with platform.context() as session:
        category = make_category(session)
        for action, state, who in NEEDS_NOTE:
            for note in (None, "", "   "):
                report, _ = _prepare(platform, session, action, state, category)
                with pytest.raises(InvalidInput) as refused:
                    lifecycle.transition(
                        session, report, action, _who(platform, session, who, made), note=note
                    )
                assert list(refused.value.errors) == ["note"]
                assert report.status == state


def test_a_note_too_long_is_refused(platform) -> None:
    with platform.context() as session:
        report, _ = _prepare(platform, session, "resolve", "assigned")
        with pytest.raises(InvalidInput) as refused:
            lifecycle.transition(
                session, report, "resolve", _who(platform, session, "official"), note="x" * 4001
            )
        assert "note" in refused.value.errors


def test_a_rating_must_be_one_of_three(platform) -> None:
    with platform.context() as session:
        category = make_category(session)
        for rating in (None, "", "great", "SATISFIED"):
            report, _ = _prepare(platform, session, "rate", "resolved", category)
            report.rating = None
            with pytest.raises(InvalidInput) as refused:
                lifecycle.transition(
                    session, report, "rate", _who(platform, session, "reporter"), rating=rating
                )
            assert list(refused.value.errors) == ["rating"]
            assert (report.status, report.rating) == ("resolved", None)


def test_moderation_may_keep_a_report_out_of_the_public_feed(platform) -> None:
    with platform.context() as session:
        report = new_report(session, make_category(session), user_id(platform, Role.CITIZEN))
        ioc = role_actor(platform, session, Role.IOC_OPERATOR)
        lifecycle.transition(session, report, "moderate", ioc, public=False)
        assert report.public is False and report.status == "moderated"


def test_assign_needs_a_known_active_organization_of_the_tenant(platform, routed) -> None:
    with platform.context() as session:
        ioc = role_actor(platform, session, Role.IOC_OPERATOR)
        nobody = make_category(session, "unrouted", None)
        report = new_report(session, nobody, user_id(platform, Role.CITIZEN))
        lifecycle.transition(session, report, "moderate", ioc)
        closed = session.get(Organization, org_id(session, "vnpt-hue"))
        closed.active = False
        for organization_id in (None, 999_999, closed.id):
            with pytest.raises(InvalidInput) as refused:
                lifecycle.transition(
                    session, report, "assign", ioc, organization_id=organization_id
                )
            assert list(refused.value.errors) == ["organization_id"]
        assert report.status == "moderated" and routed == []
        lifecycle.transition(
            session, report, "assign", ioc, organization_id=org_id(session, "huewaco")
        )
        assert report.organization_id == org_id(session, "huewaco")


def test_rejected_goes_back_to_the_ioc_and_rerouting_keeps_history(platform, clock, routed) -> None:
    with platform.context() as session:
        report = assigned_report(platform, session, make_category(session))
        construction = report.organization_id
        ioc = role_actor(platform, session, Role.IOC_OPERATOR)
        ioc_user = user_id(platform, Role.IOC_OPERATOR)
        lifecycle.transition(
            session,
            report,
            "reject",
            role_actor(platform, session, Role.OFFICIAL),
            note="Không thuộc thẩm quyền: đường do công ty cấp nước đào.",
        )
        assert report.organization_id is None and report.deadline_at is None
        rejected = events(session, report)[-1]
        assert rejected.organization_id == construction and rejected.public is False
        assert inbox(session, ioc_user, "report.rejected")
        with pytest.raises(InvalidInput) as refused:
            lifecycle.transition(session, report, "assign", ioc)
        assert list(refused.value.errors) == ["organization_id"]
        water = org_id(session, "huewaco")
        lifecycle.transition(session, report, "assign", ioc, organization_id=water)
        assigns = [e for e in events(session, report) if e.action == "assign"]
        assert [e.organization_id for e in assigns] == [construction, water]
        assert assigns[1].data["previous_organization_id"] is None
        assert routed[-1] == (report.id, water)
        # The IOC may also move a report from an organization still handling it.
        lifecycle.transition(session, report, "assign", ioc, organization_id=construction)
        assert report.organization_id == construction
        assert events(session, report)[-1].data["previous_organization_id"] == water


def test_reassignment_restarts_the_deadline_and_its_reminders(platform, clock, routed) -> None:
    with platform.context() as session:
        report = assigned_report(platform, session, make_category(session, deadline_days=1))
        report.reminded_at = report.escalated_at = MONDAY
        clock.advance(7 * 86400)
        lifecycle.transition(
            session,
            report,
            "assign",
            role_actor(platform, session, Role.IOC_OPERATOR),
            organization_id=org_id(session, "huewaco"),
        )
        assert report.reminded_at is None and report.escalated_at is None
        assert report.assigned_at == clock.now
        assert report.deadline_at == datetime(2026, 3, 10, 16, 59, 59, tzinfo=UTC)


# -- dispute ------------------------------------------------------------------------------------


def _closed_not_satisfied(platform: Any, session: Any, **category: Any) -> Report:
    report = assigned_report(platform, session, make_category(session, **category))
    lifecycle.transition(
        session, report, "resolve", role_actor(platform, session, Role.OFFICIAL), note="Đã xử lý"
    )
    lifecycle.transition(
        session, report, "rate", role_actor(platform, session, Role.CITIZEN), rating="not_satisfied"
    )
    return report


def test_a_dispute_within_the_window_reopens_with_the_same_organization(
    platform, clock, routed
) -> None:
    with platform.context() as session:
        construction = session.get(Organization, org_id(session, CONSTRUCTION))
        construction.parent_id = org_id(session, "ubnd-hue")
        supervisor = make_member(session, "giamsat", "ubnd-hue")
        officer = make_member(session, "kysu", CONSTRUCTION)
        report = _closed_not_satisfied(platform, session, dispute_days=7, deadline_days=2)
        closed_at = report.closed_at
        clock.now = closed_at + timedelta(days=7)
        event = lifecycle.transition(
            session, report, "dispute", role_actor(platform, session, Role.CITIZEN), note="Vẫn hư"
        )
        assert report.status == "assigned" and report.organization_id == construction.id
        assert report.disputes == 1
        assert report.assigned_at == clock.now and report.deadline_at > clock.now
        assert report.rating is None and report.closed_at is None and report.resolved_at is None
        assert event.data["rating"] == "not_satisfied"
        assert event.data["closed_at"] == closed_at.isoformat()
        assert routed[-1] == (report.id, construction.id)
        assert inbox(session, supervisor, "report.disputed")
        assert inbox(session, officer, "report.disputed")
        assert audits(session, report)[-1].action == "report.dispute"


def test_a_dispute_a_moment_after_the_window_is_refused(platform, clock, routed) -> None:
    with platform.context() as session:
        report = _closed_not_satisfied(platform, session, dispute_days=3)
        clock.now = report.closed_at + timedelta(days=3, seconds=1)
        with pytest.raises(Conflict):
            lifecycle.transition(
                session, report, "dispute", role_actor(platform, session, Role.CITIZEN), note="x"
            )
        assert report.status == "closed" and report.disputes == 0


def test_only_a_report_rated_not_satisfied_may_be_disputed(platform, clock, routed) -> None:
    with platform.context() as session:
        report = _closed_not_satisfied(platform, session)
        for rating in ("satisfied", "accepted", None):
            report.rating = rating
            with pytest.raises(Conflict) as refused:
                lifecycle.transition(
                    session,
                    report,
                    "dispute",
                    role_actor(platform, session, Role.CITIZEN),
                    note="x",
                )
            assert "rating" in refused.value.errors
            assert report.status == "closed"


# -- merge --------------------------------------------------------------------------------------


def test_merging_copies_followers_who_then_hear_of_the_target(platform, clock, routed) -> None:
    citizen = user_id(platform, Role.CITIZEN)
    with platform.context() as session:
        category = make_category(session)
        other = make_member(session, "hangxom", "ubnd-hue", Role.CITIZEN.value)
        ioc = role_actor(platform, session, Role.IOC_OPERATOR)
        target = new_report(session, category, other)
        duplicate = new_report(session, category, citizen)
        lifecycle.transition(session, duplicate, "merge", ioc, into=target)
        assert duplicate.status == "merged" and duplicate.merged_into_id == target.id
        followers = session.scalars(
            select(ReportFollower.user_id).where(ReportFollower.report_id == target.id)
        ).all()
        assert set(followers) == {citizen, other}
        merged = inbox(session, citizen, "report.status_changed")[-1]
        assert merged.data["status"] == "merged" and f"#{target.id}" in merged.body
        lifecycle.transition(session, target, "moderate", ioc)
        assert inbox(session, citizen, "report.status_changed")[-1].data == {
            "report_id": target.id,
            "status": "moderated",
            "action": "moderate",
        }
        # Merging again into a target already followed adds no duplicate follower.
        third = new_report(session, category, citizen)
        lifecycle.transition(session, third, "merge", ioc, into=target)
        assert (
            session.scalar(select(func.count()).where(ReportFollower.report_id == target.id)) == 2
        )


def test_merge_refuses_itself_a_closed_target_another_tenant_or_no_target(platform) -> None:
    with platform.context() as session:
        category = make_category(session)
        ioc = role_actor(platform, session, Role.IOC_OPERATOR)
        report = new_report(session, category, None)
        closed = new_report(session, category, None)
        closed.status = "closed"
        merged = new_report(session, category, None)
        merged.status = "merged"
        foreign = Report(id=10**6, tenant_id=report.tenant_id + 1, status="submitted")
        for into, error, field in (
            (None, InvalidInput, "into"),
            (report, InvalidInput, "into"),
            (foreign, InvalidInput, "into"),
            (closed, Conflict, "into"),
            (merged, Conflict, "into"),
        ):
            with pytest.raises(error) as refused:
                lifecycle.transition(session, report, "merge", ioc, into=into)
            assert field in refused.value.errors
            assert report.status == "submitted" and report.merged_into_id is None


# -- comments -----------------------------------------------------------------------------------


def test_comments_change_no_status_and_a_reporters_words_are_never_public(platform, routed) -> None:
    citizen = user_id(platform, Role.CITIZEN)
    with platform.context() as session:
        officer = make_member(session, "kysu", CONSTRUCTION)
        report = assigned_report(platform, session, make_category(session))
        official = role_actor(platform, session, Role.OFFICIAL)
        internal = lifecycle.transition(session, report, "comment", official, note="Nội bộ")
        shown = lifecycle.transition(
            session, report, "comment", official, note="Đã khảo sát", public=True
        )
        mine = lifecycle.transition(
            session, report, "comment", actor_for(session, citizen), note="SĐT 0905", public=True
        )
        assert (internal.public, shown.public, mine.public) == (False, True, False)
        assert report.status == "assigned"
        assert {e.to_status for e in (internal, shown, mine)} == {"assigned"}
        assert len(inbox(session, citizen, "report.comment")) == 2
        assert inbox(session, officer, "report.reporter_replied")


# -- two at once --------------------------------------------------------------------------------


def test_two_officials_acting_at_once_the_second_gets_a_conflict(platform, routed) -> None:
    with platform.context() as session:
        report = assigned_report(platform, session, make_category(session))
        report_id = report.id
    maker = platform.runtime.sessionmaker
    with platform.app.app_context():
        first, second = maker(), maker()
        try:
            mine = first.get(Report, report_id)
            theirs = second.get(Report, report_id)
            official = role_actor(platform, first, Role.OFFICIAL)
            lifecycle.transition(first, mine, "start", official)
            first.commit()
            with pytest.raises(Conflict) as refused:
                lifecycle.transition(second, theirs, "resolve", official, note="Xong")
            assert "version" in refused.value.errors
            second.rollback()
        finally:
            first.close()
            second.close()
    with platform.context() as session:
        report = session.get(Report, report_id)
        assert report.status == "in_progress" and report.version == 4
        assert [e.action for e in events(session, report)][-1] == "start"


def test_a_conflict_is_answered_409(platform) -> None:
    app = platform.app

    @app.route("/_test/conflict")
    def _conflict() -> None:
        raise lifecycle._conflict(Report(status="closed"), "start")

    answer = platform.client().get("/_test/conflict")
    assert answer.status_code == 409
    assert answer.json["errors"] == {"status": ["closed"]}
