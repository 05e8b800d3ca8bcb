"""servicerequestupdates: the public history of public requests (GET), and the updates a
partner system pushes for the requests routed to its organization (POST, idempotent)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sieuapp.core import clock
from sieuapp.core.reports.models import Report, ReportEvent
from sieuapp.core.testing import Platform
from sqlalchemy import func, select

from .open311_support import (
    BASE,
    add_category,
    errors_of,
    handler,
    new_client,
    report,
    step,
    xml,
)


@pytest.fixture
def platform(make_platform) -> Platform:
    p = make_platform(plugins=[])
    add_category(p)
    return p


def events(platform: Platform, report_id: int) -> list[ReportEvent]:
    with platform.context() as session:
        return list(
            session.scalars(
                select(ReportEvent)
                .where(ReportEvent.report_id == report_id)
                .order_by(ReportEvent.id)
            )
        )


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_updates_list_the_public_history_of_public_requests(platform: Platform, fmt: str) -> None:
    shown = report(platform)
    hidden = report(platform, public=False)
    official = handler(platform)
    step(platform, shown, "request_info", official, note="Số điện thoại của anh là gì?")
    step(platform, shown, "provide_info", _citizen(platform), note="0905 111 222")
    step(platform, shown, "resolve", official, note="Đã sửa.")
    answer = platform.client().get(f"{BASE}/servicerequestupdates.{fmt}")
    assert answer.status_code == 200
    if fmt == "json":
        items = answer.get_json()
    else:
        root = xml(answer)
        assert root.tag == "service_request_updates"
        items = [
            {child.tag: child.text for child in node} for node in root.findall("request_update")
        ]
    assert {str(i["service_request_id"]) for i in items} == {str(shown)}
    described = [i["description"] for i in items]
    assert "Đã sửa." in described
    assert not any("0905" in (d or "") or "điện thoại" in (d or "") for d in described)
    assert [i["status"] for i in items][-1] == "closed"
    assert all(i["updated_datetime"].endswith("+07:00") for i in items)
    public_ids = [e.id for e in events(platform, shown) if e.public]
    assert [int(i["update_id"]) for i in items] == public_ids
    assert hidden not in {int(i["service_request_id"]) for i in items}


def _citizen(platform: Platform):
    from sieuapp.core.reports.access import Actor

    user = platform.users["citizen"]
    return Actor(user_id=user.id, label="citizen", roles=frozenset({"citizen"}))


def test_updates_filter_by_date_request_and_page(platform: Platform) -> None:
    first = report(platform)
    second = report(platform)
    with platform.context() as session:
        old = session.scalars(select(ReportEvent).where(ReportEvent.report_id == first)).all()
        for event in old:
            event.at = clock.now() - timedelta(days=30)
    client = platform.client()

    def ids(query: str) -> list[int]:
        return [
            u["service_request_id"]
            for u in client.get(f"{BASE}/servicerequestupdates.json?{query}").get_json()
        ]

    assert set(ids("")) == {first, second}
    recent = (clock.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert set(ids(f"start_date={recent}")) == {second}
    assert set(ids(f"end_date={recent}")) == {first}
    assert set(ids(f"service_request_id={first}")) == {first}
    everything = ids("")
    assert ids("page_size=2") == everything[:2]
    assert ids("page_size=2&page=2") == everything[2:4]


def partner(platform: Platform, organization: str = "so-xay-dung") -> str:
    return new_client(platform, f"Hệ thống {organization}", organization=organization)[1]


def push(platform: Platform, fmt: str = "json", **data: object):
    return platform.client().post(f"{BASE}/servicerequestupdates.{fmt}", data=data)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_partner_starts_then_resolves_a_request(platform: Platform, fmt: str) -> None:
    key = partner(platform)
    made = report(platform)
    started = push(
        platform,
        fmt,
        api_key=key,
        update_id="sxd-1",
        service_request_id=made,
        status="open",
        description="Đã cử đội sửa chữa",
        updated_datetime="2025-06-01T08:00:00+07:00",
    )
    assert started.status_code == 200, started.get_data(as_text=True)
    done = push(
        platform,
        fmt,
        api_key=key,
        update_id="sxd-2",
        service_request_id=made,
        status="closed",
        description="Đã vá mặt đường",
        media_url="https://img.example.vn/xong.jpg",
    )
    assert done.status_code == 200
    if fmt == "json":
        (answer,) = done.get_json()
        update_id = answer["update_id"]
    else:
        update_id = int(xml(done).findtext("request_update/update_id") or 0)
    with platform.context() as session:
        row = session.get(Report, made)
        assert row.status == "resolved"
        assert row.answer == "Đã vá mặt đường"
    history = events(platform, made)
    start, resolve = history[-2:]
    assert (start.action, start.external_id, start.note) == ("start", "sxd-1", "Đã cử đội sửa chữa")
    assert start.data["updated_datetime"] == "2025-06-01T08:00:00+07:00"
    assert (resolve.action, resolve.external_id, resolve.id) == ("resolve", "sxd-2", update_id)
    assert resolve.data["media_url"] == "https://img.example.vn/xong.jpg"
    listed = platform.client().get(f"{BASE}/servicerequestupdates.json").get_json()
    assert listed[-1]["media_url"] == "https://img.example.vn/xong.jpg"
    assert listed[-1]["status"] == "closed"
    one = platform.client().get(f"{BASE}/requests/{made}.json").get_json()[0]
    assert one["status"] == "closed" and one["status_notes"] == "Đã vá mặt đường"


def test_an_open_update_while_in_progress_is_a_public_note(platform: Platform) -> None:
    key = partner(platform)
    made = report(platform)
    step(platform, made, "start", handler(platform))
    answer = push(
        platform,
        api_key=key,
        update_id="n-1",
        service_request_id=made,
        status="open",
        description="Chờ vật tư",
    )
    assert answer.status_code == 200
    last = events(platform, made)[-1]
    assert (last.action, last.public, last.note) == ("comment", True, "Chờ vật tư")
    missing = push(platform, api_key=key, update_id="n-2", service_request_id=made, status="open")
    assert missing.status_code == 400
    assert errors_of(missing)[0][1].startswith("description: ")


def test_a_repeated_update_is_answered_not_applied(platform: Platform) -> None:
    key = partner(platform)
    made = report(platform)
    data = {
        "api_key": key,
        "update_id": "u-42",
        "service_request_id": made,
        "status": "closed",
        "description": "Đã xử lý",
    }
    first = push(platform, **data)
    before = len(events(platform, made))
    again = push(platform, **data)
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    assert len(events(platform, made)) == before
    other = report(platform)
    reused = push(platform, **{**data, "service_request_id": other})
    assert reused.status_code == 400
    assert errors_of(reused) == [(400, f"update_id: 'u-42' was used for request {made}.")]
    # Another client may use the same update_id for its own updates.
    with platform.context() as session:
        assert (
            session.scalar(
                select(func.count(ReportEvent.id)).where(ReportEvent.external_id == "u-42")
            )
            == 1
        )


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_updates_need_the_organization_the_request_is_with(platform: Platform, fmt: str) -> None:
    made = report(platform)
    elsewhere = partner(platform, "huewaco")
    app_only = new_client(platform)[1]
    base = {"update_id": "x", "service_request_id": made, "status": "closed", "description": "ok"}
    wrong_org = push(platform, fmt, api_key=elsewhere, **base)
    assert wrong_org.status_code == 403
    assert errors_of(wrong_org) == [
        (403, f"service_request_id: request {made} is not with this client's organization.")
    ]
    no_org = push(platform, fmt, api_key=app_only, **base)
    assert no_org.status_code == 403
    assert errors_of(no_org)[0][1].startswith("api_key: ")
    assert push(platform, fmt, **base).status_code == 403
    assert push(platform, fmt, api_key="o311_nope", **base).status_code == 403
    with platform.context() as session:
        assert session.get(Report, made).status == "assigned"


@pytest.mark.parametrize(
    ("changes", "status", "description"),
    [
        ({"update_id": None}, 400, "update_id was not provided."),
        ({"update_id": "x" * 101}, 400, "update_id: at most 100 characters."),
        ({"service_request_id": None}, 400, "service_request_id was not provided."),
        ({"service_request_id": "999999"}, 404, "service_request_id not found: '999999'."),
        ({"service_request_id": "abc"}, 404, "service_request_id not found: 'abc'."),
        ({"status": None}, 400, "status was not provided."),
        ({"status": "done"}, 400, "status: 'done' is neither open nor closed."),
        ({"description": None}, 400, "description: Enter a note."),
        ({"description": "x" * 4001}, 400, "description: at most 4000 characters."),
        ({"updated_datetime": "hôm qua"}, 400, None),
        ({"media_url": "javascript:alert(1)"}, 400, None),
    ],
)
def test_bad_updates_change_nothing(
    platform: Platform, changes: dict, status: int, description: str | None
) -> None:
    key = partner(platform)
    made = report(platform)
    before = len(events(platform, made))
    data = {
        "api_key": key,
        "update_id": "u",
        "service_request_id": made,
        "status": "closed",
        "description": "Đã xử lý",
        **changes,
    }
    answer = push(platform, **{k: v for k, v in data.items() if v is not None})
    assert answer.status_code == status
    errors = errors_of(answer)
    if description is not None:
        assert errors == [(status, description)]
    else:
        assert errors[0][1].startswith(f"{next(iter(changes))}: ")
    assert len(events(platform, made)) == before


def test_a_closed_request_cannot_be_reopened_by_an_update(platform: Platform) -> None:
    key = partner(platform)
    made = report(platform)
    step(platform, made, "resolve", handler(platform), note="Xong.")
    reopened = push(platform, api_key=key, update_id="r", service_request_id=made, status="open")
    assert reopened.status_code == 400
    assert errors_of(reopened) == [
        (400, f"status: request {made} is closed; an update cannot reopen it.")
    ]
    closed_again = push(
        platform, api_key=key, update_id="c", service_request_id=made, status="closed"
    )
    assert closed_again.status_code == 400
    noted = push(
        platform,
        api_key=key,
        update_id="c2",
        service_request_id=made,
        status="closed",
        description="Đã nghiệm thu",
    )
    assert noted.status_code == 200
    assert events(platform, made)[-1].action == "comment"


def test_an_unassigned_request_cannot_be_resolved_by_an_update(platform: Platform) -> None:
    key = partner(platform)
    made = report(platform, assign=False)
    with platform.context() as session:
        from .open311_support import org_id

        session.get(Report, made).organization_id = org_id(session, "so-xay-dung")
    answer = push(
        platform,
        api_key=key,
        update_id="z",
        service_request_id=made,
        status="closed",
        description="Xong",
    )
    assert answer.status_code == 400
    assert errors_of(answer) == [(400, "status: moderated")]
    with platform.context() as session:
        assert session.get(Report, made).status == "moderated"
