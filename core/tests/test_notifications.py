"""The inbox: every service writes to it, each user reads and clears only their own, in their
language; an agent acting for a citizen may read it but not mark it read."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sieuapp.core.notifications.models import Notification
from sieuapp.core.notifications.service import notify
from sieuapp.sdk import LocalizedText, Role
from sqlalchemy import func, select

from .me_support import agent_client
from .reports_support import MONDAY, tenant_id
from .support import Clock, install_clock

INBOX = "/api/v1/me/notifications"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return install_clock(monkeypatch, MONDAY)


def send(platform: Any, role: str, count: int, clock: Clock, kind: str = "test.hello") -> list[int]:
    ids = []
    with platform.context() as session:
        for i in range(count):
            clock.advance(60)
            row = notify(
                session,
                tenant_id(session),
                platform.users[role].id,
                kind,
                LocalizedText(f"Xin chào {i}", f"Hello {i}"),
                LocalizedText(f"Nội dung {i}", f"Body {i}"),
                link=f"/api/v1/reports/{i}",
                data={"n": i},
            )
            session.flush()
            ids.append(row.id)
    return ids


def test_notify_keeps_both_languages_and_clips_a_long_title(platform, clock) -> None:
    with platform.context() as session:
        row = notify(
            session,
            tenant_id(session),
            platform.users[Role.CITIZEN].id,
            "test.long",
            LocalizedText("Đ" * 300, "E" * 300),
            LocalizedText("thân", "body"),
        )
        session.flush()
        assert len(row.title) == len(row.title_en) == 200 and row.title.endswith("…")
        assert (row.body, row.body_en, row.data, row.read_at) == ("thân", "body", {}, None)
        assert row.created_at == MONDAY


def test_the_inbox_lists_my_notifications_newest_first_in_my_language(platform, clock) -> None:
    mine = send(platform, Role.CITIZEN, 3, clock)
    send(platform, Role.OFFICIAL, 2, clock)
    citizen = platform.client(Role.CITIZEN)
    answer = citizen.get(INBOX)
    assert answer.status_code == 200
    body = answer.json
    assert (body["total"], body["unread"], body["language"]) == (3, 3, "vi")
    assert [n["id"] for n in body["notifications"]] == mine[::-1]
    first = body["notifications"][0]
    assert (first["title"], first["body"], first["read"]) == ("Xin chào 2", "Nội dung 2", False)
    assert first["link"] == "/api/v1/reports/2" and first["data"] == {"n": 2}
    english = citizen.get(INBOX, headers={"Accept-Language": "en"})
    assert english.json["notifications"][0]["title"] == "Hello 2"
    assert english.headers["Content-Language"] == "en"


def test_paging_and_the_unread_filter(platform, clock) -> None:
    ids = send(platform, Role.CITIZEN, 5, clock)
    citizen = platform.client(Role.CITIZEN)
    page = citizen.get(INBOX, query_string={"page": 2, "page_size": 2}).json
    assert [n["id"] for n in page["notifications"]] == [ids[2], ids[1]]
    assert (page["total"], page["page"], page["page_size"]) == (5, 2, 2)
    assert citizen.get(INBOX, query_string={"page": 4, "page_size": 2}).json["notifications"] == []
    assert citizen.post(f"{INBOX}/{ids[0]}/read").status_code == 200
    unread = citizen.get(INBOX, query_string={"unread": "true"}).json
    assert unread["total"] == 4 and ids[0] not in [n["id"] for n in unread["notifications"]]
    read = citizen.get(INBOX, query_string={"unread": "false"}).json
    assert [n["id"] for n in read["notifications"]] == [ids[0]] and read["unread"] == 4


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"page": 0}, "page"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": 101}, "page_size"),
        ({"unread": "maybe"}, "unread"),
    ],
)
def test_bad_paging_is_refused_by_field(platform, query: dict, field: str) -> None:
    answer = platform.client(Role.CITIZEN).get(INBOX, query_string=query)
    assert answer.status_code == 422
    assert field in str(answer.json["errors"])


def test_marking_read_is_for_my_own_notifications_only(platform, clock) -> None:
    mine = send(platform, Role.CITIZEN, 2, clock)
    theirs = send(platform, Role.OFFICIAL, 1, clock)
    citizen = platform.client(Role.CITIZEN)
    first = citizen.post(f"{INBOX}/{mine[0]}/read")
    assert first.status_code == 200 and first.json["read"] is True
    read_at = first.json["read_at"]
    clock.advance(3600)
    again = citizen.post(f"{INBOX}/{mine[0]}/read")
    assert again.status_code == 200 and again.json["read_at"] == read_at
    for other in (theirs[0], 999_999):
        refused = citizen.post(f"{INBOX}/{other}/read")
        assert refused.status_code == 404 and refused.json["code"]
    with platform.context() as session:
        assert session.get(Notification, theirs[0]).read_at is None
    done = citizen.post(f"{INBOX}/read-all")
    assert done.status_code == 200 and done.json == {"marked": 1}
    assert citizen.post(f"{INBOX}/read-all").json == {"marked": 0}
    with platform.context() as session:
        unread = session.scalar(select(func.count()).where(Notification.read_at.is_(None)))
    assert unread == 1
    assert platform.client(Role.OFFICIAL).get(INBOX).json["unread"] == 1


def test_the_inbox_needs_a_signed_in_user(platform) -> None:
    anonymous = platform.client()
    assert anonymous.get(INBOX).status_code == 401
    assert anonymous.post(f"{INBOX}/read-all").status_code == 401
    assert anonymous.post(f"{INBOX}/1/read").status_code == 401


def test_an_agent_reads_the_inbox_but_leaves_it_unread(platform, clock) -> None:
    ids = send(platform, Role.CITIZEN, 1, clock)
    acting = agent_client(platform)
    listed = acting.get(INBOX)
    assert listed.status_code == 200 and [n["id"] for n in listed.json["notifications"]] == ids
    assert acting.post(f"{INBOX}/{ids[0]}/read").status_code == 403
    assert acting.post(f"{INBOX}/read-all").status_code == 403
    with platform.context() as session:
        assert session.get(Notification, ids[0]).read_at is None


def test_a_status_change_reaches_the_reporters_inbox(platform, clock) -> None:
    from sieuapp.core.reports import lifecycle

    from .reports_support import make_category, new_report, role_actor

    with platform.context() as session:
        report = new_report(session, make_category(session), platform.users[Role.CITIZEN].id)
        clock.advance(timedelta(minutes=5).total_seconds())
        lifecycle.transition(
            session, report, "moderate", role_actor(platform, session, Role.IOC_OPERATOR)
        )
        report_id = report.id
    listed = platform.client(Role.CITIZEN).get(INBOX, headers={"Accept-Language": "en"}).json
    assert [n["kind"] for n in listed["notifications"]] == [
        "report.status_changed",
        "report.submitted",
    ]
    top = listed["notifications"][0]
    assert top["title"] == f"Report #{report_id}: Moderated"
    assert top["link"] == f"/api/v1/reports/{report_id}"
