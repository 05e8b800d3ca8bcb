"""Plugins in the report pipeline: the categories they contribute (``report_categories``), the
reports routed to their organizations (``report_routed``) and ``services.reports``, with real
plugins loaded through entry points."""

from __future__ import annotations

import secrets
import sys
from datetime import timedelta
from types import ModuleType

import pytest
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.db import utcnow
from sieuapp.core.plugins import modules
from sieuapp.core.plugins.models import ModuleState
from sieuapp.core.reports import lifecycle, plugin_bridge
from sieuapp.core.reports.access import Actor
from sieuapp.core.reports.models import Report, ReportAttribute, ReportCategory, ReportEvent
from sieuapp.core.tasks.models import OutboxMessage
from sieuapp.core.tenancy.models import Organization, Tenant
from sieuapp.core.tenancy.provinces import create_tenant
from sieuapp.core.tenancy.seed import seed_organizations
from sieuapp.core.testing import Platform
from sieuapp.sdk import ReportInfo, Role
from sieuapp.sdk.errors import Conflict, InvalidInput, NotFound
from sqlalchemy import func, select, update

HEAD = """
from flask import Blueprint, jsonify, request
from marshmallow import Schema, fields
from sieuapp.sdk import (
    FrontendEntry, Manifest, ReportCategory, ReportChoice, ReportQuestion, Scope, hookimpl, text,
)


def manifest_of(plugin_id, config_schema=None):
    return Manifest(
        id=plugin_id,
        name=text("Dịch vụ " + plugin_id, "Service " + plugin_id),
        description=text("Mô tả", "About"),
        sdk_api=">=1.2,<2",
        config_schema=config_schema,
        frontend=FrontendEntry(route="/", icon="app", category="other"),
        roles=("partner_staff",),
    )
"""

#: A taxi company's plugin: its categories follow its configuration; ``ROUTED`` collects what
#: ``report_routed`` heard and ``FAILURES`` makes it raise that many times first.
TAXI = (
    HEAD
    + """
ROUTED = []
FAILURES = [0]


class Config(Schema):
    organization = fields.String(load_default="mai-linh-hue")
    ask_plate = fields.Boolean(load_default=True)


@hookimpl
def manifest():
    return manifest_of("taxi", Config)


@hookimpl
def report_categories(tenant, services):
    config = services.config.get()
    questions = [
        ReportQuestion(
            "kind",
            "singlevaluelist",
            text("Sự việc", "What happened"),
            required=True,
            choices=(
                ReportChoice("overcharge", text("Thu quá giá", "Overcharged")),
                ReportChoice("rude", text("Thái độ không tốt", "Rude driver")),
            ),
        ),
    ]
    if config["ask_plate"]:
        questions.insert(0, ReportQuestion("plate", "string", text("Biển số xe", "Plate")))
    return [
        ReportCategory(
            code="taxi.complaint",
            name=text("Phản ánh taxi", "Taxi complaint"),
            description=text("Tài xế, giá cước", "Driver, fare"),
            organization=config["organization"],
            group=text("Giao thông", "Transport"),
            keywords=("taxi", "cước phí"),
            deadline_days=3,
            duplicate_radius_m=50,
            questions=tuple(questions),
        ),
        ReportCategory(
            code="taxi.lost-item",
            name=text("Quên đồ trên xe", "Lost item"),
            description=text("Đồ để quên trên xe", "Left in a car"),
            organization=config["organization"],
        ),
    ]


@hookimpl
def report_routed(report, tenant, services):
    if FAILURES[0] > 0:
        FAILURES[0] -= 1
        raise ConnectionError("dispatch system down")
    ROUTED.append((report, tenant.slug, services.reports.get(report.id)))


@hookimpl
def routes(services):
    bp = Blueprint("taxi", __name__)

    @bp.get("/reports/<int:report_id>")
    def show(report_id):
        return jsonify(id=services.reports.get(report_id).id)

    @bp.post("/reports/<int:report_id>")
    def move(report_id):
        body = request.get_json()
        info = services.reports.update(
            report_id, body["status"], body.get("note", ""), update_id=body.get("update_id")
        )
        return jsonify(status=info.status, answer=info.answer, organization=info.organization)

    @bp.post("/file")
    def file():
        body = request.get_json()
        info = services.reports.file(
            body["category"],
            body["description"],
            lat=body.get("lat"),
            lon=body.get("lon"),
            attributes=body.get("attributes"),
        )
        return jsonify(id=info.id, category=info.category, organization=info.organization), 201

    @bp.get("/whoami")
    def whoami():
        return jsonify(organizations=sorted(services.identity.require().organizations))

    return bp
"""
)

#: One good category among broken ones.
BROKEN = (
    HEAD
    + """
@hookimpl
def manifest():
    return manifest_of("broken")


@hookimpl
def report_categories():
    return [
        ReportCategory("broken.ok", text("Được", "Fine"), text("Được", "Fine"), "vnpt-hue"),
        ReportCategory("broken.slow", text("Chậm", "Slow"), text("", "Slow"), deadline_days=0),
        {"code": "broken.dict"},
        ReportCategory("broken.ok", text("Lại", "Again"), text("Lại", "Again")),
        ReportCategory("broken.nowhere", text("Đâu", "Where"), text("Đâu", "Where"), "no-such"),
    ]
"""
)

#: Takes a code of the taxi plugin and one of the core catalog.
COPYCAT = (
    HEAD
    + """
CORE_CODE = ["road-damage"]


@hookimpl
def manifest():
    return manifest_of("copycat")


@hookimpl
def report_categories():
    return [
        ReportCategory("taxi.complaint", text("Taxi", "Taxi"), text("Taxi", "Taxi")),
        ReportCategory(CORE_CODE[0], text("Đường", "Road"), text("Đường", "Road")),
        ReportCategory("copycat.own", text("Riêng", "Own"), text("Riêng", "Own")),
    ]
"""
)

CRASHY = (
    HEAD
    + """
ANSWER = ["raise"]


@hookimpl
def manifest():
    return manifest_of("crashy")


@hookimpl
def report_categories(services):
    if ANSWER[0] == "raise":
        raise KeyError("catalog_url")
    if ANSWER[0] == "write-then-raise":
        services.audit.record("half.done")
        raise RuntimeError("catalog half read")
    if ANSWER[0] == "string":
        return "crashy.one"
    if ANSWER[0] == "none":
        return None
    return [ReportCategory("crashy.one", text("Một", "One"), text("Một", "One"))]
"""
)


@pytest.fixture
def plugins(synthetic):
    for plugin_id, source in (
        ("taxi", TAXI),
        ("broken", BROKEN),
        ("copycat", COPYCAT),
        ("crashy", CRASHY),
    ):
        synthetic(plugin_id, source)
    return synthetic


@pytest.fixture
def platform(make_platform, plugins) -> Platform:
    return make_platform(plugins=["taxi"], entry_points=plugins.entry_points())


@pytest.fixture
def everyone(make_platform, plugins) -> Platform:
    """Every plugin, loaded but not yet installed."""
    platform = make_platform(
        plugins=["taxi", "broken", "copycat", "crashy"],
        entry_points=plugins.entry_points(),
        enable=False,
    )
    return platform


def plugin(plugin_id: str) -> ModuleType:
    return sys.modules[f"sieuapp_synthetic_{plugin_id}"]


ACTOR = modules.Actor(None, "test")


def org_id(session, code: str, tenant_slug: str = "hue") -> int:
    return session.scalar(
        select(Organization.id)
        .join(Tenant, Tenant.id == Organization.tenant_id)
        .where(Organization.code == code, Tenant.slug == tenant_slug)
    )


def category(session, code: str) -> ReportCategory:
    row = session.scalar(
        select(ReportCategory)
        .join(Tenant, Tenant.id == ReportCategory.tenant_id)
        .where(ReportCategory.code == code, Tenant.slug == "hue")
    )
    assert row is not None, code
    return row


def attributes(session, category_id: int) -> list[tuple[str, str, int]]:
    rows = session.scalars(
        select(ReportAttribute)
        .where(ReportAttribute.category_id == category_id)
        .order_by(ReportAttribute.order)
    )
    return [(r.code, r.datatype, r.order) for r in rows]


def state(platform: Platform, plugin_id: str) -> ModuleState:
    with platform.context() as session:
        row = session.scalar(select(ModuleState).where(ModuleState.plugin_id == plugin_id))
        session.expunge(row)
        return row


def ioc(platform: Platform) -> Actor:
    return Actor(
        user_id=platform.users[Role.IOC_OPERATOR].id,
        label="ioc",
        roles=frozenset({Role.IOC_OPERATOR.value}),
    )


def new_report(
    platform: Platform, code: str = "taxi.complaint", assign_to: str | None = "mai-linh-hue"
) -> int:
    """A moderated report of category ``code``, assigned by the IOC to ``assign_to``."""
    with platform.context() as session:
        cat = category(session, code)
        report = Report(
            tenant_id=cat.tenant_id,
            category_id=cat.id,
            status="moderated",
            channel="app",
            reporter_id=platform.users[Role.CITIZEN].id,
            contact_phone="0905123456",
            token=secrets.token_hex(8),
            description="Tài xế thu quá giá cước từ ga Huế",
            lat=16.4562,
            lon=107.5776,
            address="2 Bùi Thị Xuân, Huế",
            attributes={"kind": "overcharge"},
        )
        session.add(report)
        session.flush()
        if assign_to is not None:
            lifecycle.transition(
                session, report, "assign", ioc(platform), organization_id=org_id(session, assign_to)
            )
        return report.id


def routed_tasks(platform: Platform) -> list[OutboxMessage]:
    with platform.context() as session:
        rows = list(
            session.scalars(
                select(OutboxMessage).where(OutboxMessage.task == plugin_bridge.ROUTED_TASK)
            )
        )
        session.expunge_all()
        return rows


# -- categories ----------------------------------------------------------------------------------


def test_categories_appear_when_the_module_is_enabled(platform):
    with platform.context() as session:
        taxi = category(session, "taxi.complaint")
        assert (taxi.source, taxi.active) == ("taxi", True)
        assert taxi.organization_id == org_id(session, "mai-linh-hue")
        assert (taxi.name, taxi.name_en, taxi.group_name_en) == (
            "Phản ánh taxi",
            "Taxi complaint",
            "Transport",
        )
        assert (taxi.deadline_days, taxi.duplicate_radius_m, taxi.route_to_commune) == (
            3,
            50,
            False,
        )
        assert taxi.keywords == "taxi, cước phí"
        assert "cuoc phi" in taxi.search_name
        assert attributes(session, taxi.id) == [
            ("plate", "string", 1),
            ("kind", "singlevaluelist", 2),
        ]
        kind = session.scalar(
            select(ReportAttribute).where(
                ReportAttribute.category_id == taxi.id, ReportAttribute.code == "kind"
            )
        )
        assert kind.required is True
        assert kind.values[0] == {
            "key": "overcharge",
            "name": "Thu quá giá",
            "name_en": "Overcharged",
        }
        assert category(session, "taxi.lost-item").active is True


def test_disabling_deactivates_the_categories_and_keeps_their_reports(platform):
    report_id = new_report(platform)
    platform.disable("taxi")
    with platform.context() as session:
        assert category(session, "taxi.complaint").active is False
        assert category(session, "taxi.lost-item").active is False
        assert session.get(Report, report_id).category_id == category(session, "taxi.complaint").id
    with platform.context() as session:
        modules.enable(platform.runtime, session, "taxi", ACTOR)
    with platform.context() as session:
        assert category(session, "taxi.complaint").active is True
        ids = session.scalars(select(ReportCategory.id).where(ReportCategory.source == "taxi"))
        assert len(list(ids)) == 2  # reactivated, not duplicated


def test_a_configuration_change_resyncs_categories_and_their_questions(platform):
    with platform.context() as session:
        modules.configure(
            platform.runtime,
            session,
            "taxi",
            {"organization": "vnpt-hue", "ask_plate": False},
            ACTOR,
        )
    with platform.context() as session:
        taxi = category(session, "taxi.complaint")
        assert taxi.organization_id == org_id(session, "vnpt-hue")
        assert attributes(session, taxi.id) == [("kind", "singlevaluelist", 1)]


def test_an_unknown_organization_is_refused_naming_plugin_hook_and_code(platform):
    with platform.context() as session:
        modules.configure(platform.runtime, session, "taxi", {"organization": "grab-hue"}, ACTOR)
    with platform.context() as session:
        # Not sent to the IOC instead: the plugin would never hear of its reports.
        assert category(session, "taxi.complaint").active is False
        assert category(session, "taxi.complaint").organization_id == org_id(
            session, "mai-linh-hue"
        )
    row = state(platform, "taxi")
    assert row.enabled is True
    assert row.failure_count == 1
    assert row.last_failure.startswith("hook 'report_categories':")
    assert "category[0] 'taxi.complaint'.organization: this tenant has no organization" in (
        row.last_failure
    )
    assert "'grab-hue'" in row.last_failure


def test_malformed_categories_are_reported_and_the_rest_is_stored(everyone):
    everyone.install("taxi")
    everyone.install("broken")
    with everyone.context() as session:
        ok = category(session, "broken.ok")
        assert (ok.active, ok.name_en) == (True, "Fine")  # the first of the two 'broken.ok'
        assert ok.organization_id == org_id(session, "vnpt-hue")
        stored = set(
            session.scalars(select(ReportCategory.code).where(ReportCategory.source == "broken"))
        )
        assert stored == {"broken.ok"}
        assert category(session, "taxi.complaint").active is True
    broken = state(everyone, "broken")
    assert broken.enabled is True
    problems = broken.last_failure
    assert problems.startswith("hook 'report_categories':")
    for expected in (
        "category[1] 'broken.slow'.description.vi: must be a non-empty string",
        "category[1] 'broken.slow'.deadline_days: 0",
        "category[2]: must be sieuapp.sdk.ReportCategory, got {'code': 'broken.dict'}",
        "category[3] 'broken.ok'.code: returned twice",
        "category[4] 'broken.nowhere'.organization: this tenant has no organization 'no-such'",
    ):
        assert expected in problems, problems
    assert state(everyone, "taxi").failure_count == 0
    with everyone.context() as session:
        entry = session.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "reports.plugin_categories", AuditEntry.target == "broken"
            )
        )
        assert entry.after["added"] == ["broken.ok"]
        assert len(entry.after["problems"]) == 5


def test_what_a_failing_hook_wrote_is_undone_and_enabling_goes_on(everyone):
    everyone.install("crashy", enable=False)
    plugin("crashy").ANSWER[0] = "write-then-raise"
    with everyone.context() as session:
        modules.enable(everyone.runtime, session, "crashy", ACTOR)
    assert state(everyone, "crashy").enabled is True
    assert "RuntimeError: catalog half read" in state(everyone, "crashy").last_failure
    with everyone.context() as session:
        actions = set(session.scalars(select(AuditEntry.action)))
        assert "module.enabled" in actions
        assert "crashy.half.done" not in actions


def test_a_code_used_by_the_core_or_another_plugin_is_refused_naming_both(everyone):
    everyone.install("taxi")
    with everyone.context() as session:
        core = session.scalar(select(ReportCategory).where(ReportCategory.source == "core"))
        assert core is not None, "the core catalog is seeded with the tenant"
        plugin("copycat").CORE_CODE[0] = core.code
        core_name = core.name
    everyone.install("copycat")
    problems = state(everyone, "copycat").last_failure
    assert (
        "'taxi.complaint' is already used by plugin 'taxi'; plugin 'copycat' cannot take it"
        in problems
    )
    assert f"{core.code!r} is already used by the core catalog" in problems
    with everyone.context() as session:
        assert category(session, "taxi.complaint").source == "taxi"
        assert category(session, core.code).name == core_name
        assert category(session, "copycat.own").active is True


def test_a_raising_or_wrong_hook_does_not_stop_enabling(everyone):
    everyone.install("crashy")
    row = state(everyone, "crashy")
    assert row.enabled is True
    assert row.last_failure.startswith("hook 'report_categories': KeyError")
    with everyone.context() as session:
        assert (
            session.scalar(select(ReportCategory).where(ReportCategory.source == "crashy")) is None
        )

    plugin("crashy").ANSWER[0] = "ok"
    everyone.disable("crashy")
    with everyone.context() as session:
        modules.enable(everyone.runtime, session, "crashy", ACTOR)
    with everyone.context() as session:
        assert category(session, "crashy.one").active is True

    # A later failure leaves the stored categories as they are.
    for answer, reason in (
        ("string", "hook 'report_categories': returned str, not a list of sieuapp.sdk."),
        ("none", "hook 'report_categories': returned NoneType, not a list"),
        ("raise", "hook 'report_categories': KeyError: 'catalog_url'"),
    ):
        plugin("crashy").ANSWER[0] = answer
        with everyone.context() as session:
            tenant_id = category(session, "crashy.one").tenant_id
            count = plugin_bridge.sync_plugin_categories(
                everyone.runtime, session, tenant_id, "crashy"
            )
            assert count == 1
        assert state(everyone, "crashy").last_failure.startswith(reason)
        with everyone.context() as session:
            assert category(session, "crashy.one").active is True


# -- report_routed -------------------------------------------------------------------------------


def test_a_report_routed_to_the_plugins_organization_reaches_it(platform):
    report_id = new_report(platform)
    platform.run_tasks()
    [(info, tenant, fetched)] = plugin("taxi").ROUTED
    assert isinstance(info, ReportInfo)
    assert (info.id, info.category, info.status, info.organization) == (
        report_id,
        "taxi.complaint",
        "assigned",
        "mai-linh-hue",
    )
    assert (info.address, info.attributes) == ("2 Bùi Thị Xuân, Huế", {"kind": "overcharge"})
    assert info.deadline_at is not None
    assert tenant == "hue"
    assert fetched == info
    # No reporter identity reaches the plugin.
    fields = set(vars(info))
    assert not fields & {"reporter_id", "contact_phone", "contact_name", "contact_email"}
    [task] = routed_tasks(platform)
    assert (task.status, task.payload["plugin_id"]) == ("done", "taxi")


def test_reports_of_other_organizations_and_disabled_modules_are_not_sent(platform):
    new_report(platform, assign_to="so-xay-dung")
    new_report(platform, assign_to=None)
    platform.run_tasks()
    assert plugin("taxi").ROUTED == []
    assert routed_tasks(platform) == []

    # Queued, then the module is switched off before the task runs.
    report_id = new_report(platform, assign_to=None)
    with platform.context() as session:
        report = session.get(Report, report_id)
        report.organization_id = org_id(session, "mai-linh-hue")
        plugin_bridge.report_routed(session, report)
        modules.disable(platform.runtime, session, "taxi", ACTOR)
    platform.run_tasks()
    assert plugin("taxi").ROUTED == []
    assert [t.status for t in routed_tasks(platform)] == ["done"]


def test_a_report_rerouted_before_the_task_runs_is_not_sent(platform):
    report_id = new_report(platform, assign_to=None)
    with platform.context() as session:
        report = session.get(Report, report_id)
        report.organization_id = org_id(session, "mai-linh-hue")
        plugin_bridge.report_routed(session, report)
        report.organization_id = org_id(session, "so-xay-dung")
    platform.run_tasks()
    assert plugin("taxi").ROUTED == []
    assert [t.status for t in routed_tasks(platform)] == ["done"]


def test_a_plugin_failing_in_report_routed_is_retried_not_lost(platform):
    plugin("taxi").FAILURES[0] = 2
    report_id = new_report(platform)
    platform.run_tasks()
    [task] = routed_tasks(platform)
    assert (task.status, task.attempts) == ("pending", 1)
    assert "plugin 'taxi' failed in hook 'report_routed'" in task.last_error
    assert "ConnectionError: dispatch system down" in task.last_error
    assert plugin("taxi").ROUTED == []
    row = state(platform, "taxi")
    assert (row.failure_count, row.enabled) == (1, True)
    assert row.last_failure == "hook 'report_routed': ConnectionError: dispatch system down"
    for attempts, status, failures in ((2, "pending", 2), (3, "done", 0)):
        with platform.context() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == task.id)
                .values(available_at=utcnow() - timedelta(seconds=1))
            )
        platform.run_tasks()
        [task] = routed_tasks(platform)
        assert (task.attempts, task.status) == (attempts, status)
        assert state(platform, "taxi").failure_count == failures
    [(info, _, _)] = plugin("taxi").ROUTED
    assert info.id == report_id


def test_a_plugin_failing_in_report_routed_again_and_again_is_switched_off(make_platform, plugins):
    platform = make_platform(
        plugins=["taxi"], entry_points=plugins.entry_points(), plugin_failure_limit=2
    )
    plugin("taxi").FAILURES[0] = 10
    new_report(platform)
    new_report(platform)
    platform.run_tasks()
    row = state(platform, "taxi")
    assert (row.enabled, row.failure_count) == (False, 2)
    assert "hook 'report_routed'" in row.disabled_reason


# -- services.reports ----------------------------------------------------------------------------


def test_update_moves_the_status_and_is_idempotent_on_update_id(platform):
    report_id = new_report(platform)
    partner = platform.client(Role.PARTNER_STAFF)
    url = f"/m/taxi/reports/{report_id}"
    assert partner.get(url).json == {"id": report_id}

    started = {"status": "in_progress", "note": "Đã liên hệ tài xế", "update_id": "u-1"}
    assert partner.post(url, json=started).json["status"] == "in_progress"
    # The same update again: answered, not applied (a second start would be a conflict).
    again = partner.post(url, json=started)
    assert (again.status_code, again.json["status"]) == (200, "in_progress")

    done = {"status": "resolved", "note": "Đã hoàn tiền cho hành khách", "update_id": "u-2"}
    answer = partner.post(url, json=done).json
    assert answer == {
        "status": "resolved",
        "answer": "Đã hoàn tiền cho hành khách",
        "organization": "mai-linh-hue",
    }
    with platform.context() as session:
        events = session.scalars(
            select(ReportEvent)
            .where(ReportEvent.report_id == report_id, ReportEvent.plugin_id == "taxi")
            .order_by(ReportEvent.id)
        ).all()
        assert [(e.action, e.to_status, e.external_id, e.actor_label) for e in events] == [
            ("start", "in_progress", "taxi:u-1", "plugin:taxi"),
            ("resolve", "resolved", "taxi:u-2", "plugin:taxi"),
        ]
        assert session.get(Report, report_id).resolved_at is not None

    # An update_id already spent on another report is refused, and changes nothing.
    other_id = new_report(platform)
    reused = partner.post(f"/m/taxi/reports/{other_id}", json={**started})
    assert reused.status_code == 409
    assert reused.json["errors"] == {"update_id": ["Already used for another report."]}
    with platform.context() as session:
        assert session.get(Report, other_id).status == "assigned"


def test_update_refuses_bad_statuses_and_steps(platform):
    report_id = new_report(platform)
    partner = platform.client(Role.PARTNER_STAFF)
    url = f"/m/taxi/reports/{report_id}"
    closed = partner.post(url, json={"status": "closed"})
    assert closed.status_code == 422
    assert closed.json["errors"]["status"] == [
        "One of in_progress, info_requested, resolved, rejected."
    ]
    no_answer = partner.post(url, json={"status": "resolved", "note": " "})
    assert (no_answer.status_code, no_answer.json["errors"]) == (422, {"note": ["Enter a note."]})
    too_long = partner.post(url, json={"status": "in_progress", "update_id": "x" * 96})
    assert too_long.status_code == 422
    assert "update_id" in too_long.json["errors"]
    with platform.context() as session:
        assert session.get(Report, report_id).status == "assigned"
        assert (
            session.scalars(select(ReportEvent).where(ReportEvent.plugin_id == "taxi")).all() == []
        )
    partner.post(url, json={"status": "in_progress"})
    twice = partner.post(url, json={"status": "in_progress"})
    assert twice.status_code == 409


def test_a_rejected_report_goes_back_to_the_ioc_and_leaves_the_plugin(platform):
    report_id = new_report(platform)
    partner = platform.client(Role.PARTNER_STAFF)
    url = f"/m/taxi/reports/{report_id}"
    reject = {"status": "rejected", "note": "Không phải xe của hãng", "update_id": "r-1"}
    assert partner.post(url, json=reject).json == {
        "status": "rejected",
        "answer": None,
        "organization": None,
    }
    assert partner.get(url).status_code == 404
    # The repeated rejection still answers, though the report is no longer the plugin's.
    assert partner.post(url, json=reject).json["status"] == "rejected"
    assert partner.post(url, json={"status": "in_progress"}).status_code == 404


def test_reports_of_other_organizations_and_tenants_do_not_exist_for_the_plugin(platform):
    elsewhere = new_report(platform, assign_to="so-xay-dung")
    unrouted = new_report(platform, assign_to=None)
    with platform.context() as session:
        danang = create_tenant(session, "danang", 48)
        seed_organizations(session, danang, communes=1)
        session.flush()
        taxi = category(session, "taxi.complaint")
        foreign = Report(
            tenant_id=danang.id,
            category_id=taxi.id,
            status="assigned",
            token=secrets.token_hex(8),
            description="Xe taxi ở Đà Nẵng",
            organization_id=org_id(session, "mai-linh-hue", "danang"),
        )
        session.add(foreign)
        session.flush()
        foreign_id = foreign.id
    partner = platform.client(Role.PARTNER_STAFF)
    for report_id in (elsewhere, unrouted, foreign_id, 999_999):
        url = f"/m/taxi/reports/{report_id}"
        assert partner.get(url).status_code == 404, report_id
        moved = partner.post(url, json={"status": "in_progress", "update_id": f"x-{report_id}"})
        assert moved.status_code == 404
        assert moved.json["message"] == f"No report {report_id} is handled by plugin 'taxi'."
    with platform.context() as session:
        assert session.get(Report, elsewhere).status == "assigned"
        assert session.get(Report, foreign_id).status == "assigned"
        services = platform.runtime.host.services["taxi"]
        with pytest.raises(NotFound):
            services.reports.get("1")
        with pytest.raises(InvalidInput):
            services.reports.update(elsewhere, ["resolved"], "x")


def test_a_disabled_plugin_handles_no_reports(platform):
    report_id = new_report(platform)
    platform.disable("taxi")
    with platform.context():
        services = platform.runtime.host.services["taxi"]
        with pytest.raises(NotFound):
            services.reports.get(report_id)
        with pytest.raises(NotFound):
            services.reports.update(report_id, "in_progress", "")


def test_update_id_conflict_is_a_conflict_error(platform):
    first, second = new_report(platform), new_report(platform)
    with platform.context():
        services = platform.runtime.host.services["taxi"]
        services.reports.update(first, "in_progress", "", update_id="same")
        with pytest.raises(Conflict):
            services.reports.update(second, "in_progress", "", update_id="same")


# -- services.reports.file and UserInfo.organizations (SDK API 1.5) -------------------------------

HUE_POINT = {"lat": 16.4637, "lon": 107.5909}


def test_a_plugin_files_a_report_for_the_caller_in_its_own_category(platform):
    # The synthetic plugin serves partner staff; the caller is whoever uses the module.
    citizen = platform.client("partner_staff")
    filed = citizen.post(
        "/m/taxi/file",
        json={
            "category": "taxi.complaint",
            "description": "Tài xế thu quá giá cước",
            "attributes": {"kind": "overcharge", "plate": "75A-123.45"},
            **HUE_POINT,
        },
    )
    assert filed.status_code == 201, filed.get_json()
    assert filed.get_json()["category"] == "taxi.complaint"
    # The citizen's own report, in "my reports", through the pipeline like any other.
    mine = citizen.get("/api/v1/reports/mine").get_json()["items"]
    assert [r["id"] for r in mine] == [filed.get_json()["id"]]
    with platform.context() as session:
        report = session.get(Report, filed.get_json()["id"])
        assert report.reporter_id == platform.users["partner_staff"].id
        assert report.channel == "app"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "road-damage", "description": "Ổ gà lớn"}, "category"),
        ({"category": "taxi.nope", "description": "Ổ gà lớn"}, "category"),
        (
            {
                "category": "taxi.complaint",
                "description": "x",
                "attributes": {"kind": "overcharge"},
            },
            "description",
        ),
        (
            {"category": "taxi.complaint", "description": "Tài xế", "attributes": {}},
            "attribute[kind]",
        ),
    ],
)
def test_filing_elsewhere_or_badly_is_refused_by_name_and_writes_nothing(platform, body, field):
    answer = platform.client("partner_staff").post("/m/taxi/file", json={**body, **HUE_POINT})
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["errors"]
    with platform.context() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 0


def test_filing_needs_a_signed_in_caller(platform):
    body = {"category": "taxi.complaint", "description": "Tài xế", **HUE_POINT}
    assert platform.client().post("/m/taxi/file", json=body).status_code == 401


def test_a_user_info_names_the_organizations_the_user_holds_a_role_in(platform):
    assert platform.client("partner_staff").get("/m/taxi/whoami").get_json() == {
        "organizations": ["mai-linh-hue"]
    }
    with platform.context() as session:
        # An organization switched off is no longer one the user acts for.
        session.execute(
            update(Organization).where(Organization.code == "mai-linh-hue").values(active=False)
        )
    assert platform.client("partner_staff").get("/m/taxi/whoami").get_json() == {
        "organizations": []
    }
