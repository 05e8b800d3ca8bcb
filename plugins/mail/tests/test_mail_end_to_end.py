"""Through the platform: a citizen who chose e-mail for reports is notified, and the message
reaches the SMTP server on loopback."""

from __future__ import annotations

import email
from email import policy

import pytest
from sieuapp.core.identity.models import User
from sieuapp.core.notifications.models import Delivery, NotificationPreference
from sieuapp.core.notifications.service import notify
from sieuapp.sdk import LocalizedText, Role
from sqlalchemy import select

from .conftest import PASSWORD, USERNAME

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def test_a_citizen_is_notified_by_email(sieuapp_platform, configure_plugin, smtp_server):
    assert (
        configure_plugin(smtp_server.config(username=USERNAME, password=PASSWORD)).status_code
        == 200
    )
    user_id = sieuapp_platform.users[Role.CITIZEN].id
    with sieuapp_platform.context() as session:
        from flask import g

        tenant_id = g.tenant.id
        session.get(User, user_id).email = "an@example.vn"
        session.add(
            NotificationPreference(
                user_id=user_id,
                tenant_id=tenant_id,
                module="reports",
                channel="email",
                enabled=True,
            )
        )
        notify(
            session,
            tenant_id,
            user_id,
            "report.resolved",
            LocalizedText("Phản ánh đã được xử lý", "Your report was resolved"),
            LocalizedText("Cảm ơn bạn đã phản ánh.", "Thank you for your report."),
            "/api/v1/reports/7",
        )
    sieuapp_platform.runtime.task_backend.settle()

    assert [r["to"] for r in smtp_server.mailbox.received] == [["an@example.vn"]]
    mail = email.message_from_bytes(
        smtp_server.mailbox.received[0]["content"], policy=policy.default
    )
    assert mail["Subject"] == "Phản ánh đã được xử lý"
    assert "Cảm ơn bạn đã phản ánh." in mail.get_body(("plain",)).get_content()
    with sieuapp_platform.context() as session:
        rows = list(session.scalars(select(Delivery).where(Delivery.user_id == user_id)))
        assert [(r.channel, r.status, r.provider) for r in rows] == [("email", "sent", "mail")]
        assert "queued as Q0001" in rows[0].detail
