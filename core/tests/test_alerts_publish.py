"""Publishing, updating and cancelling: chains, targets, audit, constant cost, stale versions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sieuapp.core.alerts import publishing
from sieuapp.core.alerts.compose import new_draft
from sieuapp.core.alerts.models import Alert
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.notifications.models import Delivery
from sieuapp.core.tasks.models import OutboxMessage
from sieuapp.sdk.errors import Conflict
from sqlalchemy import event, func, select

from .alerts_support import PHU_XUAN, VY_DA, alert_data, place_user
from .reports_support import tenant_id
from .support import install_clock


def _statements_of_publish(platform, users: int) -> int:
    with platform.context() as session:
        hue = tenant_id(session)
        for i in range(users):
            place_user(session, hue, f"u{users}x{i:05d}", PHU_XUAN, push=False)
        alert = new_draft(session, hue, alert_data(), created_by=None)
        session.flush()
        seen: list[str] = []

        def count(*args, **kwargs) -> None:
            seen.append(args[2])

        engine = platform.runtime.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            publishing.publish(session, alert, None)
            session.flush()
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)


def test_publishing_costs_the_same_for_10_or_1000_users(make_platform):
    few = _statements_of_publish(make_platform(plugins=[]), 10)
    many = _statements_of_publish(make_platform(plugins=[]), 1000)
    assert few == many


def test_publish_update_cancel_chain(platform, monkeypatch):
    clock_ = install_clock(monkeypatch)
    with platform.context() as session:
        hue = tenant_id(session)
        alert = new_draft(session, hue, alert_data(), created_by=None)
        audits = session.scalar(select(func.count()).select_from(AuditEntry))
        publishing.publish(session, alert, None)
        assert alert.state == "published" and alert.thread_id == alert.id
        assert alert.sent == clock_.now.replace(microsecond=0)
        outbox = session.scalars(select(OutboxMessage.task)).all()
        assert "alerts.fan_out" in outbox
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == audits + 1
        first_id = alert.id
        # A delivery not yet out is dropped once the message is superseded.
        user = place_user(session, hue, "waiting", PHU_XUAN)
        session.add(
            Delivery(
                id="d-waiting",
                tenant_id=hue,
                user_id=user,
                channel="web_push",
                alert_id=first_id,
                status="pending",
            )
        )
        session.flush()
    clock_.advance(60)
    with platform.context() as session:
        first = session.get(Alert, first_id)
        second = publishing.update(
            session,
            first,
            {"severity": "Extreme", "areas": [{"area_desc": "Vỹ Dạ", "communes": [VY_DA]}]},
            None,
        )
        assert first.state == "superseded"
        assert second.msg_type == "Update" and second.thread_id == first_id
        assert second.severity == "Extreme" and second.event == "Lũ"
        assert (
            second.references
            == f"{first.sender},{first.identifier},{publishing.rules.cap_time(first.sent)}"
        )
        assert session.get(Delivery, "d-waiting").status == "dropped"
        with pytest.raises(Conflict):
            publishing.update(session, first, {"severity": "Minor"}, None)
        second_id = second.id
    clock_.advance(60)
    with platform.context() as session:
        second = session.get(Alert, second_id)
        third = publishing.cancel(session, second, None, "Nước đã rút")
        assert third.msg_type == "Cancel" and third.note == "Nước đã rút"
        assert len(third.references.split()) == 2
        assert second.state == "superseded"
        current = publishing.current_alerts(session, tenant_id(session))
        assert [a.id for a in current] == [third.id]
        with pytest.raises(Conflict):
            publishing.cancel(session, third, None, "again")


def test_current_alerts_are_in_effect_newest_first(platform, monkeypatch):
    clock_ = install_clock(monkeypatch)
    now = clock_.now
    with platform.context() as session:
        hue = tenant_id(session)

        def published(**changes) -> Alert:
            alert = new_draft(session, hue, alert_data(**changes), created_by=None)
            return publishing.publish(session, alert, None)

        fmt = lambda t: t.astimezone(publishing.rules.ZONE).replace(microsecond=0).isoformat()  # noqa: E731
        old = published()
        clock_.advance(10)
        later = published(effective=fmt(now + timedelta(hours=2)))
        expired = published(expires=fmt(now + timedelta(hours=1)))
        exercise = published(status="Exercise")
        clock_.advance(10)
        newest = published()
        ids = [a.id for a in publishing.current_alerts(session, hue)]
        assert ids == [newest.id, exercise.id, expired.id, old.id]
        at = now + timedelta(hours=3)
        ids = [a.id for a in publishing.current_alerts(session, hue, at)]
        assert later.id in ids and expired.id not in ids


def test_a_stale_version_is_refused(platform):
    client = platform.client("ioc_operator")
    made = client.post("/api/v1/alerts", json=alert_data()).json
    edited = client.patch(
        f"/api/v1/alerts/{made['id']}", json={"headline": "Mới", "version": made["version"]}
    )
    assert edited.status_code == 200, edited.json
    assert edited.json["version"] > made["version"]
    stale = client.post(f"/api/v1/alerts/{made['id']}/publish", json={"version": made["version"]})
    assert stale.status_code == 409
    with platform.context() as session:
        assert session.get(Alert, made["id"]).state == "draft"
    ok = client.post(
        f"/api/v1/alerts/{made['id']}/publish", json={"version": edited.json["version"]}
    )
    assert ok.status_code == 200, ok.json
    again = client.post(f"/api/v1/alerts/{made['id']}/publish", json={})
    assert again.status_code == 409
