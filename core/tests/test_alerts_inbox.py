"""The alerts a user's areas receive, their read state, and the inbox that pages them together
with the user's notifications."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sieuapp.core.alerts.models import Alert, AlertArea, AlertRead, AlertTarget
from sieuapp.core.notifications.service import notify
from sieuapp.sdk import LocalizedText, Role

from .me_support import add_square, agent_client, count, other_tenant_client, units
from .reports_support import MONDAY, tenant_id
from .support import Clock, install_clock

ALERTS = "/api/v1/me/alerts"
INBOX = "/api/v1/me/inbox"
AREAS = "/api/v1/me/areas"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return install_clock(monkeypatch, MONDAY)


def publish(
    platform: Any,
    clock: Clock,
    unit_codes: list[str],
    headline: str,
    *,
    state: str = "published",
    status: str = "Actual",
    polygons: list[Any] | None = None,
    circles: list[Any] | None = None,
    slug: str = "hue",
) -> int:
    """An alert as the publishing step leaves it: the message, its area and its target units."""
    clock.advance(60)
    sent = clock()
    with platform.context(slug) as session:
        tid = tenant_id(session, slug)
        alert = Alert(
            tenant_id=tid,
            state=state,
            identifier=f"test-{headline}",
            sender="ioc@hue.gov.vn",
            sent=sent,
            status=status,
            category="Met",
            event="Lũ",
            event_en="Flood",
            urgency="Immediate",
            severity="Severe",
            certainty="Observed",
            headline=headline,
            headline_en=f"{headline} (en)",
            description="Nước dâng nhanh.",
            description_en="Water is rising fast.",
            instruction="Di chuyển lên cao.",
            instruction_en="Move to higher ground.",
            expires=sent + timedelta(hours=6),
        )
        alert.areas = [
            AlertArea(
                area_desc="Vùng thử",
                polygons=polygons or [],
                circles=circles or [],
                geocodes=[{"valueName": "VN-ADMIN", "value": c} for c in unit_codes if c != "*"],
            )
        ]
        session.add(alert)
        session.flush()
        alert.thread_id = alert.id
        for code in unit_codes:
            session.add(AlertTarget(alert_id=alert.id, unit_code=code, tenant_id=tid, sent=sent))
        session.flush()
        return alert.id


def send_notification(platform: Any, clock: Clock, title: str) -> int:
    clock.advance(60)
    with platform.context() as session:
        row = notify(
            session,
            tenant_id(session),
            platform.users[Role.CITIZEN].id,
            "test.note",
            LocalizedText(title, f"{title} (en)"),
            LocalizedText("nội dung", "body"),
        )
        session.flush()
        return row.id


def headlines(client: Any, url: str = ALERTS, **query: Any) -> list[str]:
    answer = client.get(url, query_string=query)
    assert answer.status_code == 200, answer.json
    return [a["title"] for a in answer.json["alerts"]]


def test_alerts_for_the_home_commune_and_the_province_but_not_elsewhere(platform, clock) -> None:
    home, elsewhere = units(platform, 2)
    citizen = platform.client(Role.CITIZEN)
    assert citizen.put(f"{AREAS}/home", json={"unit_code": home}).status_code == 200
    publish(platform, clock, [home], "nhà")
    publish(platform, clock, ["*"], "tỉnh")
    publish(platform, clock, [elsewhere], "nơi khác")
    publish(platform, clock, [home], "nháp", state="draft")
    publish(platform, clock, [home], "cũ", state="superseded")
    publish(platform, clock, [home], "diễn tập", status="Exercise")
    assert headlines(citizen) == ["tỉnh", "nhà"]
    english = citizen.get(ALERTS, headers={"Accept-Language": "en"}).json
    top = english["alerts"][0]
    assert (top["title"], top["body"], top["instruction"]) == (
        "tỉnh (en)",
        "Water is rising fast.",
        "Move to higher ground.",
    )
    assert (top["severity"], top["urgency"], top["kind"], top["read"]) == (
        "Severe",
        "Immediate",
        "alert.Alert",
        False,
    )
    assert english["total"] == 2 and english["unread"] == 2
    # Without a home, only the province-wide alert reaches the user.
    assert headlines(platform.client(Role.OFFICIAL)) == ["tỉnh"]


def test_the_current_location_narrows_shaped_alerts_to_those_around_it(platform, clock) -> None:
    home, here = units(platform, 2)
    add_square(platform, here, 16.40, 107.50, 0.2)
    citizen = platform.client(Role.CITIZEN)
    citizen.put(f"{AREAS}/home", json={"unit_code": home})
    where = citizen.put(f"{AREAS}/current", json={"lat": 16.45, "lon": 107.55}).json
    assert where["current"]["unit_code"] == here
    around = [[16.44, 107.54], [16.44, 107.56], [16.46, 107.56], [16.46, 107.54], [16.44, 107.54]]
    publish(platform, clock, [here], "quanh bạn", polygons=[around])
    publish(
        platform, clock, [here], "xa bạn", circles=[{"lat": 16.58, "lon": 107.68, "radius_km": 2}]
    )
    publish(
        platform,
        clock,
        [here, home],
        "xa nhưng ở nhà",
        circles=[{"lat": 16.58, "lon": 107.68, "radius_km": 2}],
    )
    publish(platform, clock, [here], "cả phường")
    assert headlines(citizen) == ["cả phường", "xa nhưng ở nhà", "quanh bạn"]
    # Opting out of the location drops the alerts that reached only it.
    assert citizen.delete(f"{AREAS}/current").status_code == 204
    assert headlines(citizen) == ["xa nhưng ở nhà"]


def test_reading_an_alert_marks_it_for_me_alone(platform, clock) -> None:
    home, elsewhere = units(platform, 2)
    citizen = platform.client(Role.CITIZEN)
    citizen.put(f"{AREAS}/home", json={"unit_code": home})
    mine = publish(platform, clock, [home], "nhà")
    province = publish(platform, clock, ["*"], "tỉnh")
    other = publish(platform, clock, [elsewhere], "nơi khác")
    marked = citizen.post(f"{ALERTS}/{mine}/read")
    assert marked.status_code == 200 and marked.json["read"] is True
    assert citizen.post(f"{ALERTS}/{mine}/read").status_code == 200
    assert count(platform, AlertRead) == 1
    body = citizen.get(ALERTS).json
    assert body["unread"] == 1 and [a["read"] for a in body["alerts"]] == [False, True]
    assert headlines(citizen, unread="true") == ["tỉnh"]
    assert headlines(citizen, unread="false") == ["nhà"]
    assert citizen.post(f"{ALERTS}/{other}/read").status_code == 404
    assert citizen.get(f"{ALERTS}/{other}").status_code == 404
    detail = citizen.get(f"{ALERTS}/{mine}", headers={"Accept-Language": "en"})
    assert detail.status_code == 200, detail.json
    assert (detail.json["title"], detail.json["read"], detail.json["areas"]) == (
        "nhà (en)",
        True,
        ["Vùng thử"],
    )
    assert citizen.post(f"{ALERTS}/999999/read").status_code == 404
    # The province-wide alert is still unread for the official.
    assert platform.client(Role.OFFICIAL).get(ALERTS).json["unread"] == 1
    agent = agent_client(platform)
    assert headlines(agent) == ["tỉnh", "nhà"]
    assert agent.post(f"{ALERTS}/{province}/read").status_code == 403
    anonymous = platform.client()
    assert anonymous.get(ALERTS).status_code == 401
    assert anonymous.post(f"{ALERTS}/{province}/read").status_code == 401
    assert count(platform, AlertRead) == 1


def test_another_province_sees_neither_our_alerts_nor_reads_them(platform, clock) -> None:
    province = publish(platform, clock, ["*"], "tỉnh")
    danang = other_tenant_client(platform)
    publish(platform, clock, ["*"], "Đà Nẵng", slug="dn")
    assert headlines(danang) == ["Đà Nẵng"]
    assert headlines(platform.client(Role.CITIZEN)) == ["tỉnh"]
    assert danang.post(f"{ALERTS}/{province}/read").status_code == 404
    assert danang.get(INBOX).json["total"] == 1
    assert count(platform, AlertRead) == 0


def test_the_inbox_pages_notifications_and_alerts_together(platform, clock) -> None:
    home = units(platform, 1)[0]
    citizen = platform.client(Role.CITIZEN)
    citizen.put(f"{AREAS}/home", json={"unit_code": home})
    order = []
    for i in range(3):
        order.append(("notification", send_notification(platform, clock, f"tin {i}")))
        order.append(("alert", publish(platform, clock, [home, "*"] if i else [home], f"cb {i}")))
    newest_first = order[::-1]
    seen = []
    for page in (1, 2, 3):
        answer = citizen.get(INBOX, query_string={"page": page, "page_size": 2})
        assert answer.status_code == 200, answer.json
        assert answer.json["total"] == 6
        seen += [(item["type"], item["id"]) for item in answer.json["items"]]
    assert seen == newest_first
    body = citizen.get(INBOX, headers={"Accept-Language": "en"}).json
    assert (body["unread"], body["unread_notifications"], body["unread_alerts"]) == (6, 3, 3)
    first = body["items"][0]
    assert first["type"] == "alert" and first["title"] == "cb 2 (en)" and first["read"] is False
    note = body["items"][1]
    assert (note["type"], note["title"], note["kind"]) == (
        "notification",
        "tin 2 (en)",
        "test.note",
    )
    citizen.post(f"{ALERTS}/{order[1][1]}/read")
    citizen.post(f"/api/v1/me/notifications/{order[0][1]}/read")
    unread = citizen.get(INBOX, query_string={"unread": "true"}).json
    assert unread["total"] == 4 and unread["unread"] == 4
    assert (order[1][0], order[1][1]) not in [(i["type"], i["id"]) for i in unread["items"]]
    read = citizen.get(INBOX, query_string={"unread": "false"}).json
    assert [(i["type"], i["id"]) for i in read["items"]] == [order[1], order[0]]
    assert citizen.get(INBOX, query_string={"page_size": 101}).status_code == 422
    assert platform.client().get(INBOX).status_code == 401


def test_one_notification_shows_how_far_it_got_on_each_channel(platform, clock) -> None:
    from sieuapp.core.notifications.models import Delivery

    note = send_notification(platform, clock, "tin")
    with platform.context() as session:
        tid, uid = tenant_id(session), platform.users[Role.CITIZEN].id
        for channel, status in (("web_push", "sent"), ("web_push", "gone"), ("email", "pending")):
            session.add(
                Delivery(
                    tenant_id=tid,
                    user_id=uid,
                    channel=channel,
                    notification_id=note,
                    status=status,
                )
            )
    answer = platform.client(Role.CITIZEN).get(f"/api/v1/me/notifications/{note}")
    assert answer.status_code == 200, answer.json
    assert answer.json["deliveries"] == {
        "web_push": {"sent": 1, "gone": 1},
        "email": {"pending": 1},
    }
    assert answer.json["title"] == "tin" and answer.json["read"] is False
    assert platform.client(Role.OFFICIAL).get(f"/api/v1/me/notifications/{note}").status_code == 404
    assert platform.client().get(f"/api/v1/me/notifications/{note}").status_code == 401
    assert agent_client(platform).get(f"/api/v1/me/notifications/{note}").status_code == 200
