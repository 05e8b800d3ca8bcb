"""Through the platform: a citizen with a verified phone who chose SMS for reports is notified,
and the text reaches the gateway on loopback."""

from __future__ import annotations

from datetime import UTC, datetime

from sieuapp.core.identity.models import User
from sieuapp.core.notifications.models import Delivery, NotificationPreference
from sieuapp.core.notifications.service import notify
from sieuapp.sdk import LocalizedText, Role
from sqlalchemy import select


def test_a_citizen_with_a_verified_phone_gets_a_text(sieuapp_platform, configure_plugin, gateway):
    assert configure_plugin(gateway.config()).status_code == 200
    user_id = sieuapp_platform.users[Role.CITIZEN].id
    with sieuapp_platform.context() as session:
        from flask import g

        tenant_id = g.tenant.id
        user = session.get(User, user_id)
        user.phone, user.phone_verified_at = "+84905123456", datetime(2025, 1, 6, tzinfo=UTC)
        session.add(
            NotificationPreference(
                user_id=user_id, tenant_id=tenant_id, module="reports", channel="sms", enabled=True
            )
        )
        notify(
            session,
            tenant_id,
            user_id,
            "report.resolved",
            LocalizedText("Phản ánh đã được xử lý", "Your report was resolved"),
            LocalizedText("Đà Nẵng phản ánh", "Thank you."),
            None,
        )
    sieuapp_platform.runtime.task_backend.settle()

    assert len(gateway.requests) == 1
    sent = gateway.requests[0]["json"]
    assert sent["to"] == "+84905123456"
    assert sent["text"] == "Phan anh da duoc xu ly\nDa Nang phan anh"
    with sieuapp_platform.context() as session:
        rows = list(session.scalars(select(Delivery).where(Delivery.user_id == user_id)))
        assert [(r.channel, r.status, r.provider, r.detail) for r in rows] == [
            ("sms", "sent", "smsgateway", "gw-1")
        ]
        assert sent["reference"] == rows[0].id
