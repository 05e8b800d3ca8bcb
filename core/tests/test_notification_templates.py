"""A province's own wording of the notifications: only its admins change it, every change is
audited, bad templates are refused field by field, and the reports pipeline speaks it."""

from __future__ import annotations

from typing import Any

import pytest
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.notifications.models import Notification, NotificationTemplate
from sieuapp.core.notifications.templates import DEFAULTS, TemplateProblem, render
from sieuapp.core.reports import lifecycle
from sieuapp.core.reports.models import ReportCategory
from sieuapp.sdk import LocalizedText, Role
from sqlalchemy import select

from .me_support import count, other_tenant_client
from .reports_support import MONDAY, make_category, new_report, role_actor, tenant_id
from .support import Clock, install_clock

BASE = "/api/v1/admin/notification-templates"
WORDING = {
    "title": "Chúng tôi đã nhận phản ánh số {number}",
    "title_en": "We got report number {number}",
    "body": "Cảm ơn bạn.",
    "body_en": "Thank you.",
}


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return install_clock(monkeypatch, MONDAY)


def category(session: Any) -> Any:
    found = session.scalar(select(ReportCategory).where(ReportCategory.code == "test-pothole"))
    return found or make_category(session)


def submitted_titles(platform: Any) -> tuple[str, str, str]:
    with platform.context() as session:
        report = new_report(session, category(session), platform.users[Role.CITIZEN].id)
        session.flush()
        row = session.scalar(
            select(Notification).where(
                Notification.kind == "report.submitted",
                Notification.data["report_id"].as_integer() == report.id,
            )
        )
        return row.title, row.title_en, row.body_en


def test_the_admin_lists_every_kind_with_its_default_and_placeholders(platform) -> None:
    answer = platform.client(Role.PROVINCE_ADMIN).get(BASE)
    assert answer.status_code == 200, answer.json
    listed = {t["kind"]: t for t in answer.json["templates"]}
    assert set(listed) == set(DEFAULTS)
    submitted = listed["report.submitted"]
    assert submitted["default"]["title_en"] == "Report #{number} received"
    assert set(submitted["placeholders"]) == {"number"}
    assert submitted["override"] is None
    assert set(listed["report.status_changed"]["placeholders"]) == {"number", "status"}


def test_an_override_changes_the_report_notification_and_a_reset_restores_it(
    platform, clock
) -> None:
    admin = platform.client(Role.PROVINCE_ADMIN)
    original = submitted_titles(platform)
    assert original[1].startswith("Report #") and original[1].endswith(" received")
    put = admin.put(f"{BASE}/report.submitted", json=WORDING)
    assert put.status_code == 200, put.json
    assert put.json["override"]["title_en"] == WORDING["title_en"]
    title, title_en, body_en = submitted_titles(platform)
    number = title_en.rsplit(" ", 1)[1]
    assert title == f"Chúng tôi đã nhận phản ánh số {number}"
    assert (title_en, body_en) == (f"We got report number {number}", "Thank you.")
    with platform.context() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.target == "notification_template:report.submitted"
            )
        ).all()
    assert actions == ["notification_template.updated"]
    reset = admin.delete(f"{BASE}/report.submitted")
    assert reset.status_code == 200 and reset.json["override"] is None
    assert count(platform, NotificationTemplate) == 0
    title, title_en, body_en = submitted_titles(platform)
    assert title_en.endswith(" received") and body_en == original[2]
    with platform.context() as session:
        assert session.scalar(
            select(AuditEntry.before).where(AuditEntry.action == "notification_template.reset")
        ) == {**WORDING}


def test_a_status_change_override_uses_the_status_in_each_language(platform, clock) -> None:
    admin = platform.client(Role.PROVINCE_ADMIN)
    wording = {
        "title": "#{number} → {status}",
        "title_en": "#{number} is now {status}",
        "body": "Xem chi tiết trong ứng dụng.",
        "body_en": "See the app.",
    }
    assert admin.put(f"{BASE}/report.status_changed", json=wording).status_code == 200
    with platform.context() as session:
        report = new_report(session, make_category(session), platform.users[Role.CITIZEN].id)
        clock.advance(60)
        lifecycle.transition(
            session, report, "moderate", role_actor(platform, session, Role.IOC_OPERATOR)
        )
        session.flush()
        row = session.scalar(
            select(Notification).where(Notification.kind == "report.status_changed")
        )
        assert (row.title, row.title_en) == (
            f"#{report.id} → Đã kiểm duyệt",
            f"#{report.id} is now Moderated",
        )
        assert row.body_en == "See the app."


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": "Phản ánh {numbr}"}, "title"),
        ({"body_en": "Report {number"}, "body_en"),
        ({"body": "Xem {number.__class__}"}, "body"),
        ({"title_en": "Report {number:>9}"}, "title_en"),
        ({"title_en": "   "}, "title_en"),
        ({"body": ""}, "body"),
        ({"title": "Đ" * 201}, "title"),
        ({"title": None}, "title"),
    ],
)
def test_a_bad_template_is_refused_naming_the_field(platform, change, field) -> None:
    admin = platform.client(Role.PROVINCE_ADMIN)
    before = (count(platform, NotificationTemplate), count(platform, AuditEntry))
    answer = admin.put(f"{BASE}/report.submitted", json={**WORDING, **change})
    assert answer.status_code == 422, answer.json
    assert answer.json["code"] == "invalid_input" and field in answer.json["errors"]
    assert (count(platform, NotificationTemplate), count(platform, AuditEntry)) == before


def test_a_missing_part_is_refused(platform) -> None:
    wording = {k: v for k, v in WORDING.items() if k != "body_en"}
    answer = platform.client(Role.PROVINCE_ADMIN).put(f"{BASE}/report.submitted", json=wording)
    assert answer.status_code == 422 and "body_en" in answer.json["errors"]


def test_an_unknown_kind_is_not_found(platform) -> None:
    admin = platform.client(Role.PROVINCE_ADMIN)
    assert admin.put(f"{BASE}/report.nothing", json=WORDING).status_code == 404
    assert admin.delete(f"{BASE}/report.nothing").status_code == 404
    assert count(platform, NotificationTemplate) == 0


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.OFFICIAL, Role.IOC_OPERATOR])
def test_only_the_province_admin_reads_or_changes_templates(platform, role) -> None:
    client = platform.client(role)
    assert client.get(BASE).status_code == 403
    # Refused before the body is read: a bad body still gets 403, not 422.
    assert client.put(f"{BASE}/report.submitted", json={}).status_code == 403
    assert client.put(f"{BASE}/report.submitted", json=WORDING).status_code == 403
    assert client.delete(f"{BASE}/report.submitted").status_code == 403
    anonymous = platform.client()
    assert anonymous.get(BASE).status_code == 401
    assert anonymous.put(f"{BASE}/report.submitted", json=WORDING).status_code == 401
    assert count(platform, NotificationTemplate) == 0


def test_an_override_belongs_to_its_province(platform, clock) -> None:
    assert (
        platform.client(Role.PROVINCE_ADMIN)
        .put(f"{BASE}/report.submitted", json=WORDING)
        .status_code
        == 200
    )
    danang = other_tenant_client(platform, Role.PROVINCE_ADMIN)
    listed = {t["kind"]: t for t in danang.get(BASE).json["templates"]}
    assert listed["report.submitted"]["override"] is None
    assert danang.delete(f"{BASE}/report.submitted").status_code == 200
    assert count(platform, NotificationTemplate) == 1
    with platform.context("dn") as session:
        title, _ = render(session, tenant_id(session, "dn"), "report.submitted", {"number": 7})
    assert title == LocalizedText("Đã tiếp nhận phản ánh #7", "Report #7 received")


def test_rendering_without_a_declared_value_names_kind_and_value(platform) -> None:
    with platform.context() as session:
        with pytest.raises(TemplateProblem, match=r"report\.status_changed.*'status'"):
            render(session, tenant_id(session), "report.status_changed", {"number": 1})
        with pytest.raises(TemplateProblem, match="report.unknown"):
            render(session, tenant_id(session), "report.unknown", {})
