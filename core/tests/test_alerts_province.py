"""A whole-province alert reaches everyone tied to the province: a home area, a role, or a
browser subscribed on its app; once each, through the keyset batches of one UNION."""

from __future__ import annotations

import hashlib

import pytest
from sieuapp.core.alerts import publishing
from sieuapp.core.alerts.compose import new_draft
from sieuapp.core.alerts.models import Alert
from sieuapp.core.identity import accounts
from sieuapp.core.notifications.models import NotificationPreference, PushSubscription
from sieuapp.core.tasks.models import OutboxMessage
from sieuapp.core.tenancy.provinces import create_tenant
from sieuapp.sdk import Role
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .alerts_support import PHU_XUAN, PROVINCE, alert_data, place_user
from .notifications_support import RECORDER_ENV, recorded, recorder_plugin
from .reports_support import tenant_id

BATCH = 2


@pytest.fixture
def recorder(make_platform, synthetic, tmp_path, monkeypatch):
    log = tmp_path / "recorder.jsonl"
    monkeypatch.setenv(RECORDER_ENV, str(log))
    synthetic("recorder", recorder_plugin())
    platform = make_platform(
        plugins=["recorder"], entry_points=synthetic.entry_points(), alert_batch_size=BATCH
    )
    return platform, log


def subscribe(session: Session, tenant: int, user_id: str, name: str) -> None:
    endpoint = f"https://push.example/{name}"
    session.add(
        PushSubscription(
            user_id=user_id,
            tenant_id=tenant,
            endpoint=endpoint,
            endpoint_hash=hashlib.sha256(endpoint.encode()).hexdigest(),
            p256dh="BPk" + "A" * 84,
            auth="A" * 22,
        )
    )
    session.flush()


def test_a_province_alert_reaches_areas_roles_and_subscribed_browsers_once(recorder):
    platform, log = recorder
    with platform.context() as session:
        hue = tenant_id(session)
        danang = create_tenant(session, "danang", 48).id
        # A home area and a browser: two sources, one recipient.
        resident = place_user(session, hue, "resident", PHU_XUAN)
        staff = accounts.create_user(session, "staff", None, "Staff", email="staff@hue.vn")
        accounts.assign_role(session, staff, hue, Role.IOC_OPERATOR.value, None)
        # E-mail is off by default; this operator asked for alerts by mail (and has no browser).
        session.add(
            NotificationPreference(
                user_id=staff.id, tenant_id=hue, module="alerts", channel="email", enabled=True
            )
        )
        subscriber = accounts.create_user(session, "subscriber", None, "Subscriber")
        session.flush()
        subscribe(session, hue, subscriber.id, "subscriber")
        # Subscribed on another province's app only, and tied to nothing at all.
        visitor = accounts.create_user(session, "visitor", None, "Visitor", email="v@dn.vn")
        session.flush()
        subscribe(session, danang, visitor.id, "visitor")
        stranger = accounts.create_user(session, "stranger", None, "Stranger", email="s@x.vn")
        session.flush()
        role_holders = {u.id for r, u in platform.users.items() if r != Role.CITIZEN}
        expected = {resident, staff.id, subscriber.id} | role_holders
        alert = new_draft(
            session,
            hue,
            alert_data(areas=[{"area_desc": "Toàn thành phố Huế", "communes": [PROVINCE]}]),
            created_by=None,
        )
        publishing.publish(session, alert, None)
        alert_id, outsiders = alert.id, {visitor.id, stranger.id}
        staff_id, subscriber_id = staff.id, subscriber.id
    platform.run_tasks()

    messages = recorded(log)
    by_channel = {(m["channel"], m["user_id"]) for m in messages}
    assert len(by_channel) == len(messages), "someone was told twice on one channel"
    assert by_channel == {
        ("web_push", resident),
        ("web_push", subscriber_id),
        ("email", staff_id),
    }
    assert not {m["user_id"] for m in messages} & outsiders
    with platform.context() as session:
        stored = session.get(Alert, alert_id)
        # Everyone chosen counts, those with no address to send to included.
        assert stored.recipients == len(expected)
        assert stored.fanout_finished_at is not None
        steps = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.task == "alerts.fan_out")
        )
    # Full batches each queue a next step; the last, shorter one finishes.
    assert steps == len(expected) // BATCH + 1
