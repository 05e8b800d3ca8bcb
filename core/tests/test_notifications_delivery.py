"""The delivery engine end to end: planning by preferences, addresses and quiet hours, then
sending through a real channel plugin (the recorder) and applying what it answers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sieuapp.core.alerts.models import Alert
from sieuapp.core.identity.models import User
from sieuapp.core.notifications import delivery, sending
from sieuapp.core.notifications.models import Delivery, PushSubscription
from sieuapp.core.notifications.service import notify, notify_many
from sieuapp.sdk import LocalizedText, Role
from sqlalchemy import event, select

from .delivery_support import (
    choose,
    count,
    deliveries,
    recorded,
    recorder_platform,
    run_due,
    set_address,
    set_settings,
    settle,
    subscribe,
)
from .reports_support import MONDAY, make_category, new_report, tenant_id
from .support import Clock, install_clock

TITLE = LocalizedText("Phản ánh đã được xử lý", "Your report was resolved")
BODY = LocalizedText("Cảm ơn bạn.", "Thank you.")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return install_clock(monkeypatch, MONDAY)


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return tmp_path / "recorder.jsonl"


@pytest.fixture
def platform(make_platform, synthetic, monkeypatch, log, clock):
    return recorder_platform(make_platform, synthetic, monkeypatch, log)


def citizen(platform: Any) -> str:
    return platform.users[Role.CITIZEN].id


def send(platform: Any, user: str, kind: str = "report.resolved", **kwargs: Any) -> int:
    with platform.context() as session:
        row = notify(
            session, tenant_id(session), user, kind, TITLE, BODY, "/api/v1/reports/7", **kwargs
        )
        notification_id = row.id
    settle(platform)
    return notification_id


def test_plans_by_preference_and_address_and_sends_in_the_users_language(platform, log) -> None:
    user = citizen(platform)
    with platform.context() as session:
        subscribe(session, user, "https://push.example/a")
        subscribe(session, user, "https://push.example/b")
        # E-mail on for reports; SMS on, but the number is not verified: no SMS.
        set_address(session, user, email="an@example.vn", locale="en")
        choose(session, user, "reports", "email", True)
        choose(session, user, "reports", "sms", True)
        choose(session, platform.users[Role.OFFICIAL].id, "reports", "web_push", False)
    notification_id = send(platform, user)
    send(platform, platform.users[Role.OFFICIAL].id)

    rows = deliveries(platform)
    assert sorted(r.channel for r in rows) == ["email", "web_push", "web_push"]
    assert {r.status for r in rows} == {"sent"} and {r.provider for r in rows} == {"recorder"}
    assert {r.notification_id for r in rows} == {notification_id}
    messages = recorded(log)
    assert len(messages) == 3
    email = next(m for m in messages if m["channel"] == "email")
    assert email["address"] == {"email": "an@example.vn"}
    assert (email["language"], email["title"], email["body"]) == ("en", TITLE.en, BODY.en)
    assert email["link"] == "https://hue.sieuapp.test/api/v1/reports/7"
    pushes = [m["address"]["endpoint"] for m in messages if m["channel"] == "web_push"]
    assert sorted(pushes) == ["https://push.example/a", "https://push.example/b"]
    with platform.context() as session:
        assert delivery.summary(session, notification_id=notification_id) == {
            "email": {"sent": 1},
            "web_push": {"sent": 2},
        }


def test_a_verified_phone_gets_sms_and_module_comes_from_the_kind(platform, log) -> None:
    user = citizen(platform)
    with platform.context() as session:
        set_address(session, user, phone="+84905000001", phone_verified_at=MONDAY)
        choose(session, user, "reports", "sms", True)
        choose(session, user, "reports", "web_push", False)
        choose(session, user, "platform", "sms", False)
    send(platform, user)
    send(platform, user, kind="account.changed")
    messages = recorded(log)
    assert [(m["channel"], m["address"], m["language"]) for m in messages] == [
        ("sms", {"phone": "+84905000001"}, "vi")
    ]
    assert messages[0]["title"] == TITLE.vi


def test_quiet_hours_defer_until_they_end_and_critical_goes_now(platform, log, clock) -> None:
    user = citizen(platform)
    with platform.context() as session:
        subscribe(session, user, "https://push.example/night")
        # 09:00 local is MONDAY (02:00 UTC); quiet from 08:00 to 10:00 local.
        set_settings(session, user, quiet_start=8 * 60, quiet_end=10 * 60)
    send(platform, user)
    send(platform, user, kind="report.urgent", critical=True)

    assert [m["kind"] for m in recorded(log)] == ["report.urgent"]
    deferred = [r for r in deliveries(platform) if r.status == "deferred"]
    assert len(deferred) == 1
    assert deferred[0].next_attempt_at == MONDAY + timedelta(hours=1)

    clock.advance(30 * 60)
    run_due(platform)
    assert len(recorded(log)) == 1
    clock.advance(30 * 60)
    run_due(platform)
    assert [m["kind"] for m in recorded(log)] == ["report.urgent", "report.resolved"]
    assert {r.status for r in deliveries(platform)} == {"sent"}


def test_retry_backs_off_then_succeeds(platform, log, clock) -> None:
    user = citizen(platform)
    with platform.context() as session:
        sub = subscribe(session, user, "https://push.example/retry")
    send(platform, user)
    (row,) = deliveries(platform)
    assert (row.status, row.attempts, row.detail) == ("pending", 1, "retry")
    assert row.next_attempt_at == MONDAY + timedelta(seconds=2)

    run_due(platform)
    assert len(recorded(log)) == 1
    with platform.context() as session:
        session.get(PushSubscription, sub).endpoint = "https://push.example/fixed"
    clock.advance(2)
    run_due(platform)
    (row,) = deliveries(platform)
    assert (row.status, row.attempts, row.sent_at) == ("sent", 2, MONDAY + timedelta(seconds=2))
    assert [m["outcome"] for m in recorded(log)] == ["retry", "sent"]


def test_retry_gives_up_after_six_attempts(platform, log, clock) -> None:
    user = citizen(platform)
    with platform.context() as session:
        subscribe(session, user, "https://push.example/retry")
    send(platform, user)
    for _ in range(10):
        clock.advance(3600)
        run_due(platform)
    (row,) = deliveries(platform)
    assert (row.status, row.attempts) == ("failed", delivery.MAX_ATTEMPTS)
    assert row.detail.startswith("gave up after 6 attempts")
    assert len(recorded(log)) == delivery.MAX_ATTEMPTS


def test_gone_forgets_the_subscription_and_failed_is_final(platform, log, clock) -> None:
    user = citizen(platform)
    with platform.context() as session:
        subscribe(session, user, "https://push.example/gone")
        subscribe(session, user, "https://push.example/refuse")
        subscribe(session, user, "https://push.example/ok")
    send(platform, user)
    statuses = sorted((r.status, r.detail) for r in deliveries(platform))
    assert statuses == [("failed", "refuse"), ("gone", "gone"), ("sent", "recorded")]
    with platform.context() as session:
        left = session.scalars(select(PushSubscription.endpoint)).all()
    assert sorted(left) == ["https://push.example/ok", "https://push.example/refuse"]
    clock.advance(3600)
    run_due(platform)
    assert len(recorded(log)) == 3


def test_running_a_delivery_twice_sends_it_once(platform, log) -> None:
    user = citizen(platform)
    with platform.context() as session:
        subscribe(session, user, "https://push.example/once")
    send(platform, user)
    ids = [r.id for r in deliveries(platform)]
    with platform.context() as session:
        assert sending.deliver(session, ids) == 0
    run_due(platform)
    platform.run_tasks()
    assert len(recorded(log)) == 1


def test_a_channel_no_plugin_serves_any_more_fails_with_a_clear_detail(platform, log) -> None:
    user = citizen(platform)
    with platform.context() as session:
        subscribe(session, user, "https://push.example/later")
        set_settings(session, user, quiet_start=0, quiet_end=24 * 60 - 1)
    send(platform, user)
    platform.disable("recorder")
    with platform.context() as session:
        sending.deliver(session, [r.id for r in deliveries(platform)])
    assert recorded(log) == []
    (row,) = deliveries(platform)
    # Still deferred: not due; once due, it fails for want of a channel.
    assert row.status == "deferred"
    with platform.context() as session:
        session.get(Delivery, row.id).next_attempt_at = MONDAY
    run_due(platform)
    (row,) = deliveries(platform)
    assert row.status == "failed" and "no enabled plugin serves channel 'web_push'" in row.detail


def test_alert_deliveries_render_cap_fields_and_drop_when_superseded(platform, log) -> None:
    user = citizen(platform)
    other = platform.users[Role.OFFICIAL].id
    with platform.context() as session:
        subscribe(session, user, "https://push.example/alert")
        subscribe(session, other, "https://push.example/other")
        set_settings(session, user, quiet_start=0, quiet_end=24 * 60 - 1)
        set_settings(session, other, quiet_start=0, quiet_end=24 * 60 - 1)
        severe = _alert(session, severity="Severe", expires=MONDAY + timedelta(hours=2))
        minor = _alert(session, severity="Minor", identifier="minor")
        assert delivery.plan_alert(session, severe, [user, user]) == 1
        assert delivery.plan_alert(session, minor, [other]) == 1
        severe_id, minor_id = severe.id, minor.id
    settle(platform)
    (message,) = recorded(log)
    assert message["kind"] == "alert.alert" and message["critical"] is True
    assert message["title"] == "Lũ lớn trên sông Hương"
    assert message["body"] == "Nước lên nhanh.\n\nDi chuyển lên vùng cao."
    assert (message["urgency"], message["ttl"]) == ("high", 7200)
    assert message["link"] == f"https://hue.sieuapp.test/api/v1/me/alerts/{severe_id}"
    with platform.context() as session:
        assert delivery.drop_pending(session, minor_id) == 1
        assert delivery.summary(session, alert_id=minor_id) == {"web_push": {"dropped": 1}}
        assert delivery.summary(session, alert_id=severe_id) == {"web_push": {"sent": 1}}


def _alert(session: Any, **fields: Any) -> Alert:
    values = {
        "tenant_id": tenant_id(session),
        "identifier": "severe",
        "sender": "ioc@hue.gov.vn",
        "category": "Met",
        "event": "Lũ",
        "event_en": "Flood",
        "urgency": "Immediate",
        "certainty": "Observed",
        "headline": "Lũ lớn trên sông Hương",
        "headline_en": "Major flood on the Perfume River",
        "description": "Nước lên nhanh.",
        "instruction": "Di chuyển lên vùng cao.",
        "state": "published",
        **fields,
    }
    alert = Alert(**values)
    session.add(alert)
    session.flush()
    return alert


def test_report_lifecycle_notifications_reach_the_channel(platform, log) -> None:
    user = citizen(platform)
    with platform.context() as session:
        subscribe(session, user, "https://push.example/report")
        category = make_category(session)
        report = new_report(session, category, user)
        report_id = report.id
    settle(platform)
    (message,) = recorded(log)
    assert message["kind"] == "report.submitted" and message["user_id"] == user
    assert message["data"]["report_id"] == report_id


def test_a_thousand_recipients_plan_with_a_bounded_number_of_queries(platform) -> None:
    def plan_for(size: int) -> int:
        with platform.context() as session:
            ids = [f"bulk{size}x{i:05d}" for i in range(size)]
            session.execute(
                User.__table__.insert(),
                [{"id": i, "username": i, "name": i, "locale": "vi", "active": True} for i in ids],
            )
            tenant = tenant_id(session)
            session.execute(
                PushSubscription.__table__.insert(),
                [
                    {
                        "user_id": i,
                        "tenant_id": tenant,
                        "endpoint": f"https://push.example/{i}",
                        "endpoint_hash": i,
                        "p256dh": "k",
                        "auth": "a",
                        "user_agent": "",
                    }
                    for i in ids
                ],
            )
            session.flush()
            statements: list[str] = []
            engine = session.get_bind()

            def counted(*_: Any) -> None:
                statements.append("x")

            event.listen(engine, "before_cursor_execute", counted)
            try:
                written = notify_many(session, tenant, ids, "report.bulk", TITLE, BODY)
                session.flush()
            finally:
                event.remove(engine, "before_cursor_execute", counted)
            assert written == size
            return len(statements)

    small, large = plan_for(10), plan_for(1000)
    assert count(platform, Delivery) == 1010
    # One insert per bounded batch and one query per table per chunk of recipients; a query per
    # recipient would make this hundreds.
    assert large <= small + 20
