"""One report's whole life over the HTTP API, on a clock the test moves: submitted, moderated,
routed, asked about, turned down and routed again, resolved, disputed, overdue across the
30 April and 1 May holidays, escalated, resolved again, rated, closed. A second report is left
overdue. The history, the audit log, the reporter's inbox and the public statistics must all
tell exactly what happened."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sieuapp.core.db import unit_of_work
from sieuapp.core.identity import accounts
from sieuapp.core.identity.models import User
from sieuapp.core.reports.deadlines import sweep
from sieuapp.core.reports.models import Report, ReportEvent
from sieuapp.core.tenancy.models import Organization, Tenant
from sieuapp.sdk import Role
from sqlalchemy import select

from .support import Clock, install_clock

HUE = ZoneInfo("Asia/Ho_Chi_Minh")
REPORTS = "/api/v1/reports"


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=HUE).astimezone(UTC)


MON_21 = date(2025, 4, 21)


class World:
    """The platform, its clock, and a signed-in client per person in the story."""

    def __init__(self, platform, clock: Clock) -> None:
        self.platform = platform
        self.clock = clock
        with platform.context() as session:
            tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == "hue"))
            commune = session.scalars(
                select(Organization)
                .where(Organization.tenant_id == tenant_id, Organization.kind == "commune")
                .order_by(Organization.code)
            ).first()
            ubnd = session.scalar(
                select(Organization.id).where(
                    Organization.tenant_id == tenant_id, Organization.code == "ubnd-hue"
                )
            )
            self.commune_code, self.unit_code = commune.code, commune.unit_code
            assert commune.parent_id == ubnd
        with unit_of_work(platform.runtime.sessionmaker) as session:
            for username, name, org_id in (
                ("phuong", "Võ Thị Phường", commune.id),
                ("giamsat", "Đặng Văn Giám", ubnd),
            ):
                user = accounts.create_user(session, username, None, name)
                accounts.assign_role(session, user, tenant_id, Role.OFFICIAL.value, org_id)
        self.clients = {
            "citizen": platform.client(Role.CITIZEN),
            "ioc": platform.client(Role.IOC_OPERATOR),
            "admin": platform.client(Role.PROVINCE_ADMIN),
            "xay_dung": platform.client(Role.OFFICIAL),
            "phuong": self._client("phuong"),
            "giamsat": self._client("giamsat"),
        }
        self.user_ids = {
            "citizen": platform.users[Role.CITIZEN].id,
            "ioc": platform.users[Role.IOC_OPERATOR].id,
            "admin": platform.users[Role.PROVINCE_ADMIN].id,
            "xay_dung": platform.users[Role.OFFICIAL].id,
            **{u: self._user_id(u) for u in ("phuong", "giamsat")},
        }

    def _user_id(self, username: str) -> str:
        with unit_of_work(self.platform.runtime.sessionmaker) as session:
            return session.scalar(select(User.id).where(User.username == username))

    def _client(self, username: str):
        with unit_of_work(self.platform.runtime.sessionmaker) as session:
            tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == "hue"))
            user = session.scalar(select(User).where(User.username == username))
            secret, _ = accounts.issue_token(session, user, tenant_id, 3600)
        client = self.platform.client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        return client

    def at(self, moment: datetime) -> None:
        assert moment >= self.clock.now, "the story only moves forward"
        self.clock.now = moment

    def call(self, who: str, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        answer = self.clients[who].open(path, method=method, **kwargs)
        assert answer.status_code == status, (who, path, answer.json)
        return answer.json

    def step(self, who: str, report_id: int, action: str, **body: Any) -> dict[str, Any]:
        return self.call(who, "POST", f"{REPORTS}/{report_id}/actions/{action}", json=body)

    def sweep(self) -> dict[str, int]:
        with self.platform.context() as session:
            return sweep(session)

    def notifications(self, who: str) -> list[dict[str, Any]]:
        body = self.call(who, "GET", "/api/v1/me/notifications", query_string={"page_size": 100})
        return sorted(body["notifications"], key=lambda n: n["id"])


@pytest.fixture
def world(platform, monkeypatch) -> World:
    return World(platform, install_clock(monkeypatch, local(MON_21, 8)))


def _deadline_day(report: dict[str, Any]) -> date:
    return datetime.fromisoformat(report["deadline_at"]).astimezone(HUE).date()


def test_a_report_from_submission_to_closing_through_every_turn(world: World):
    w = world
    for day, name, name_en in (
        ("2025-04-30", "Ngày Giải phóng miền Nam", "Reunification Day"),
        ("2025-05-01", "Ngày Quốc tế Lao động", "International Labour Day"),
    ):
        w.call(
            "admin",
            "PUT",
            f"/api/v1/admin/reports/holidays/{day}",
            json={"name": name, "name_en": name_en, "working": False},
        )

    # Monday 21 April, 09:00 in Huế: a street light is out in a lane.
    w.at(local(MON_21, 9))
    report = w.call(
        "citizen",
        "POST",
        REPORTS,
        status=201,
        json={
            "category": "street-lighting",
            "description": "Đèn đường trong kiệt 12 Phan Đình Phùng bị hỏng, tối om",
            "address": "Kiệt 12 Phan Đình Phùng",
            "unit_code": w.unit_code,
            "lat": 16.4620,
            "lon": 107.5880,
            "attributes": {"problem": "off"},
        },
    )
    rid = report["id"]
    assert report["status"] == "submitted"
    assert w.call("citizen", "GET", f"/api/v1/public/reports/{rid}", status=404)

    # A second report, which nobody will handle.
    w.at(local(MON_21, 9, 30))
    other = w.call(
        "citizen",
        "POST",
        REPORTS,
        status=201,
        json={
            "category": "road-damage",
            "description": "Ổ gà sâu trước chợ Đông Ba",
            "address": "Chợ Đông Ba",
            "attributes": {"severity": "high"},
        },
    )["id"]

    w.at(local(MON_21, 10))
    w.step("ioc", rid, "moderate")
    assigned = w.step("ioc", rid, "assign", organization="so-xay-dung")
    assert assigned["organization"]["code"] == "so-xay-dung"
    # Three working days for street lighting: Tuesday, Wednesday, Thursday.
    assert _deadline_day(assigned) == date(2025, 4, 24)
    w.step("ioc", other, "moderate")
    assert _deadline_day(w.step("ioc", other, "assign", organization="so-xay-dung")) == date(
        2025, 4, 28
    )
    # The feed shows it now, without its reporter.
    public = w.call("citizen", "GET", f"/api/v1/public/reports/{rid}")
    assert public["status"] == "assigned" and public["expected_at"] == assigned["deadline_at"]

    w.at(local(MON_21, 11))
    w.step("xay_dung", rid, "start")
    w.step("xay_dung", rid, "request_info", note="Cột đèn số mấy trong kiệt?")
    w.at(local(MON_21, 12))
    info = w.call(
        "citizen", "POST", f"{REPORTS}/{rid}/info", json={"message": "Cột thứ ba, gần nhà số 12/5"}
    )
    assert info["status"] == "in_progress"
    # Another organization cannot touch it; the citizen cannot take an official's step.
    w.call("phuong", "POST", f"{REPORTS}/{rid}/actions/resolve", status=404, json={"note": "x"})
    w.call("citizen", "POST", f"{REPORTS}/{rid}/actions/resolve", status=403, json={"note": "x"})

    w.at(local(MON_21, 14))
    w.step("xay_dung", rid, "reject", note="Đèn trong kiệt do UBND phường quản lý.")
    # Re-routing a rejected report needs the organization named.
    w.call("ioc", "POST", f"{REPORTS}/{rid}/actions/assign", status=422, json={})
    w.at(local(MON_21, 15))
    rerouted = w.step("ioc", rid, "assign", organization=w.commune_code)
    assert rerouted["organization"]["code"] == w.commune_code
    assert _deadline_day(rerouted) == date(2025, 4, 24)
    # The department that turned it down no longer has it in its queue.
    queue = w.call("xay_dung", "GET", f"{REPORTS}/queue", query_string={"page_size": 100})
    assert rid not in [r["id"] for r in queue["items"]]

    # Tuesday: the ward fixes it; the citizen is not satisfied.
    tuesday = date(2025, 4, 22)
    w.at(local(tuesday, 10))
    w.step("phuong", rid, "start")
    w.step("phuong", rid, "resolve", note="Đã thay bóng đèn cột số 3.")
    w.at(local(tuesday, 19))
    rated = w.call("citizen", "POST", f"{REPORTS}/{rid}/rate", json={"rating": "not_satisfied"})
    assert rated["status"] == "closed"

    # Monday 28 April, within the 7 days: still dark. Back to the ward, watched from above.
    w.at(local(date(2025, 4, 28), 9))
    disputed = w.call(
        "citizen", "POST", f"{REPORTS}/{rid}/dispute", json={"reason": "Đèn vẫn chưa sáng."}
    )
    assert disputed["status"] == "assigned"
    assert disputed["organization"]["code"] == w.commune_code
    # Tuesday 29, (30 April and 1 May off), Friday 2 May, (weekend), Monday 5 May.
    assert _deadline_day(disputed) == date(2025, 5, 5)
    supervised = w.call("giamsat", "GET", f"{REPORTS}/queue", query_string={"page_size": 100})
    assert rid in [r["id"] for r in supervised["items"]]
    assert w.call("giamsat", "GET", f"{REPORTS}/{rid}")["status"] == "assigned"
    assert "report.disputed" in [n["kind"] for n in w.notifications("giamsat")]
    # A supervisor watches; the ward answers.
    w.call("giamsat", "POST", f"{REPORTS}/{rid}/actions/start", status=403, json={})

    # Saturday 3 May: the ward is reminded, the forgotten pothole escalated.
    w.at(local(date(2025, 5, 3), 10))
    assert w.sweep() == {"reminded": 1, "escalated": 1, "auto_closed": 0}
    assert w.sweep() == {"reminded": 0, "escalated": 0, "auto_closed": 0}
    # Tuesday 6 May: past the deadline.
    w.at(local(date(2025, 5, 6), 9))
    assert w.sweep() == {"reminded": 0, "escalated": 1, "auto_closed": 0}
    # The IOC hears of both, and so does the city's people's committee, which supervises the
    # ward's committee and the department alike.
    for who, escalated in (
        ("ioc", [rid, other]),
        ("giamsat", [rid, other]),
        ("admin", [rid, other]),
    ):
        overdue = [n for n in w.notifications(who) if n["kind"] == "report.overdue"]
        assert sorted(n["data"]["report_id"] for n in overdue) == sorted(escalated), who
    assert [n["kind"] for n in w.notifications("phuong")].count("report.deadline_near") == 1

    w.at(local(date(2025, 5, 6), 10))
    w.step("phuong", rid, "start")
    w.step("phuong", rid, "resolve", note="Đã thay dây dẫn và bóng đèn, đèn sáng trở lại.")
    w.at(local(date(2025, 5, 6), 20))
    closed = w.call("citizen", "POST", f"{REPORTS}/{rid}/rate", json={"rating": "satisfied"})
    assert closed["status"] == "closed" and closed["rating"] == "satisfied"
    # Satisfied: nothing to dispute.
    w.call("citizen", "POST", f"{REPORTS}/{rid}/dispute", status=409, json={"reason": "x"})

    # -- the history --------------------------------------------------------------------------
    steps = [
        ("submitted", None, "submitted"),
        ("moderate", "submitted", "moderated"),
        ("assign", "moderated", "assigned"),
        ("start", "assigned", "in_progress"),
        ("request_info", "in_progress", "info_requested"),
        ("provide_info", "info_requested", "in_progress"),
        ("reject", "in_progress", "rejected"),
        ("assign", "rejected", "assigned"),
        ("start", "assigned", "in_progress"),
        ("resolve", "in_progress", "resolved"),
        ("rate", "resolved", "closed"),
        ("dispute", "closed", "assigned"),
        ("remind", "assigned", "assigned"),
        ("escalate", "assigned", "assigned"),
        ("start", "assigned", "in_progress"),
        ("resolve", "in_progress", "resolved"),
        ("rate", "resolved", "closed"),
    ]
    history = w.call("ioc", "GET", f"{REPORTS}/{rid}/history")
    assert [(e["action"], e["from_status"], e["to_status"]) for e in history] == steps
    organizations = [e["organization"]["code"] if e["organization"] else None for e in history]
    assert organizations[2:7] == ["so-xay-dung"] * 5
    assert organizations[7:] == [w.commune_code] * 10

    public = w.call("citizen", "GET", f"/api/v1/public/reports/{rid}")
    assert [e["action"] for e in public["history"]] == [
        "submitted", "moderate", "assign", "start", "assign", "start", "resolve", "rate",
        "start", "resolve", "rate",
    ]  # fmt: skip
    assert public["answer"] == "Đã thay dây dẫn và bóng đèn, đèn sáng trở lại."
    assert public["disputes"] == 1 and public["rating"] == "satisfied"
    text = str(public)
    for personal in (
        "Cột thứ ba",
        "Đèn vẫn chưa sáng",
        "UBND phường quản lý",
        w.user_ids["citizen"],
    ):
        assert personal not in text

    # -- the audit log: every step, by whom -------------------------------------------------
    audit = w.call(
        "admin",
        "GET",
        "/api/v1/admin/audit",
        query_string={"target": f"report:{rid}", "page_size": 500},
    )["entries"]
    by_action = sorted((e["action"], e["actor_id"]) for e in audit)
    actors = {
        "submitted": "citizen", "moderate": "ioc", "request_info": "xay_dung",
        "provide_info": "citizen", "reject": "xay_dung", "dispute": "citizen",
    }  # fmt: skip
    expected = []
    for index, (action, _, _) in enumerate(steps):
        if action in ("remind", "escalate"):
            who = None
        elif action == "assign":
            who = w.user_ids["ioc"]
        elif action in ("start", "resolve"):
            who = w.user_ids["xay_dung" if index < 7 else "phuong"]
        elif action == "rate":
            who = w.user_ids["citizen"]
        else:
            who = w.user_ids[actors[action]]
        expected.append((f"report.{action}", who))
    assert by_action == sorted(expected)

    # -- the reporter heard of every status change made by someone else ------------------------
    inbox = [n for n in w.notifications("citizen") if n["data"].get("report_id") == rid]
    changes = [
        to for (action, before, to) in steps
        if before != to and action not in ("submitted", "provide_info", "rate", "dispute")
    ]  # fmt: skip
    assert inbox[0]["kind"] == "report.submitted"
    assert [n["data"]["status"] for n in inbox[1:]] == changes
    assert {n["kind"] for n in inbox[1:]} == {"report.status_changed"}

    # -- the statistics say exactly that --------------------------------------------------------
    stats = w.call("citizen", "GET", "/api/v1/public/reports/stats")["total"]
    handling_hours = (local(date(2025, 5, 6), 10) - local(MON_21, 9)).total_seconds() / 3600
    assert stats == {
        "received": 2, "handled": 1, "handled_pct": 50.0, "on_time": 0, "on_time_pct": 0.0,
        "median_hours": round(handling_hours, 1), "satisfied": 1, "accepted": 0,
        "not_satisfied": 0, "satisfied_pct": 100.0, "accepted_pct": 0.0,
        "not_satisfied_pct": 0.0, "disputes": 1, "dismissed": 0, "merged": 0, "open": 1,
        "overdue": 1,
    }  # fmt: skip
    assert handling_hours == 361.0
    by_org = w.call(
        "citizen", "GET", "/api/v1/public/reports/stats", query_string={"group_by": "organization"}
    )["groups"]
    assert {g["key"]: (g["received"], g["handled"], g["overdue"]) for g in by_org} == {
        w.commune_code: (1, 1, 0),
        "so-xay-dung": (1, 0, 1),
    }
    by_week = w.call(
        "citizen",
        "GET",
        "/api/v1/public/reports/stats",
        query_string={"group_by": "period", "period": "week", "format": "csv"},
    )
    assert by_week is None  # CSV, not JSON
    answer = w.clients["citizen"].get(
        "/api/v1/public/reports/stats",
        query_string={"group_by": "period", "period": "week"},
        headers={"Accept": "text/csv"},
    )
    rows = list(csv.DictReader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert [(r["key"], r["received"], r["disputes"]) for r in rows] == [
        ("2025-W17", "2", "1"),
        ("", "2", "1"),
    ]

    # The feed and the database agree on what is public.
    with w.platform.context() as session:
        assert session.get(Report, other).escalated_at is not None
        assert session.scalar(
            select(ReportEvent.id).where(
                ReportEvent.report_id == other, ReportEvent.action == "escalate"
            )
        )
    feed = w.call("citizen", "GET", "/api/v1/public/reports", query_string={"q": "cho dong ba"})
    assert [r["id"] for r in feed["items"]] == [other]
