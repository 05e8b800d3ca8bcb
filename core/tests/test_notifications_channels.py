"""Channel plugins that misbehave are contained and named; the others still deliver."""

from __future__ import annotations

from pathlib import Path

import pytest
from sieuapp.core.notifications.channels import available
from sieuapp.core.plugins.models import ModuleState
from sieuapp.core.plugins.synthetic import plugin_source
from sieuapp.sdk import Role
from sqlalchemy import select

from .delivery_support import choose, deliveries, recorded, recorder_platform, set_address
from .reports_support import MONDAY, tenant_id
from .support import install_clock
from .test_notifications_delivery import send

BROKEN = """
from sieuapp.sdk import Channel


@hookimpl
def notification_channels(tenant):
    return [
        Channel("pager", text("Máy nhắn tin", "Pager"), "email"),
        Channel("fax", text("Fax", "Fax"), "fax-number"),
        "not a channel",
    ]


@hookimpl
def deliver_notifications(channel, messages, tenant):
    raise RuntimeError("gateway said no to key sk-live-123")
"""

GARBAGE = """
from sieuapp.sdk import Channel


@hookimpl
def notification_channels(tenant):
    return [Channel("telex", text("Telex", "Telex"), "email")]


@hookimpl
def deliver_notifications(channel, messages, tenant):
    return "all good"
"""


@pytest.fixture
def platform(make_platform, synthetic, monkeypatch, tmp_path: Path):
    install_clock(monkeypatch, MONDAY)
    extra = {
        "broken": plugin_source("broken", sdk_api=">=1.3,<2", extra=BROKEN),
        "garbage": plugin_source("garbage", sdk_api=">=1.3,<2", extra=GARBAGE),
    }
    return recorder_platform(make_platform, synthetic, monkeypatch, tmp_path / "log", extra)


def failure_of(platform, plugin_id: str) -> tuple[int, str]:
    with platform.context() as session:
        state = session.scalar(
            select(ModuleState).where(
                ModuleState.tenant_id == tenant_id(session), ModuleState.plugin_id == plugin_id
            )
        )
        return state.failure_count, state.last_failure or ""


def test_bad_channels_are_skipped_and_recorded_against_their_plugin(platform) -> None:
    with platform.context():
        channels = available()
    assert sorted(channels) == ["email", "pager", "sms", "telex", "web_push"]
    assert channels["pager"].plugin_id == "broken"
    assert channels["email"].plugin_id == "recorder"
    count, last = failure_of(platform, "broken")
    assert count >= 1
    assert "notification_channels" in last and "'not a channel'" in last
    assert failure_of(platform, "recorder")[0] == 0


def test_a_raising_or_garbage_answering_plugin_is_contained_and_retried(
    platform, tmp_path, caplog
) -> None:
    user = platform.users[Role.CITIZEN].id
    with platform.context() as session:
        set_address(session, user, email="an@example.vn")
        for channel in ("pager", "telex", "email"):
            choose(session, user, "reports", channel, True)
    send(platform, user)
    rows = {r.channel: r for r in deliveries(platform)}
    assert rows["email"].status == "sent"
    assert (rows["pager"].status, rows["pager"].attempts) == ("pending", 1)
    assert rows["pager"].detail == "plugin broken raised RuntimeError"
    assert "sk-live" not in rows["pager"].detail
    assert (rows["telex"].status, rows["telex"].detail) == (
        "pending",
        "plugin garbage answered garbage",
    )
    _, last = failure_of(platform, "garbage")
    assert "deliver_notifications" in last and "'all good'" in last
    assert any(
        "'broken' failed in hook 'deliver_notifications'" in r.getMessage() for r in caplog.records
    )
    assert [m["channel"] for m in recorded(tmp_path / "log")] == ["email"]
