"""The daily digest: users who chose it get one e-mail a day listing their unread messages,
and no e-mail per message."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sieuapp.core.notifications.digest import KIND
from sieuapp.core.notifications.models import Notification, NotificationSettings
from sieuapp.sdk import Role
from sqlalchemy import select

from .delivery_support import (
    choose,
    recorded,
    recorder_platform,
    set_address,
    set_settings,
    settle,
)
from .reports_support import MONDAY
from .support import install_clock
from .test_notifications_delivery import TITLE, send


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch):
    return install_clock(monkeypatch, MONDAY)


@pytest.fixture
def platform(make_platform, synthetic, monkeypatch, tmp_path: Path, clock):
    return recorder_platform(make_platform, synthetic, monkeypatch, tmp_path / "log")


def digest(platform) -> object:
    result = platform.runtime.run_periodic("notifications.digest")
    settle(platform)
    return result


def test_one_digest_a_day_of_the_unread_messages(platform, clock, tmp_path) -> None:
    log = tmp_path / "log"
    user = platform.users[Role.CITIZEN].id
    with platform.context() as session:
        set_address(session, user, email="an@example.vn", locale="en")
        choose(session, user, "reports", "email", True)
        choose(session, user, "reports", "web_push", False)
        # MONDAY is 09:00 local: the digest hour has not come yet at 07:00 tomorrow.
        set_settings(session, user, digest=True, digest_hour=10)
    first = send(platform, user)
    send(platform, user, kind="report.commented")
    with platform.context() as session:
        session.get(Notification, first).read_at = MONDAY
    assert recorded(log) == []
    assert digest(platform) == 0

    clock.advance(3600)
    assert digest(platform) == 1
    assert digest(platform) == 0
    (mail,) = recorded(log)
    assert (mail["channel"], mail["kind"], mail["address"]) == (
        "email",
        KIND,
        {"email": "an@example.vn"},
    )
    assert mail["title"] == "Your daily notification digest"
    assert mail["body"] == f"You have 1 unread notifications:\n• {TITLE.en}"
    with platform.context() as session:
        sent_until = session.scalar(select(NotificationSettings.digest_sent_until))
    assert sent_until == MONDAY + timedelta(hours=1)

    # Next day: nothing new unread since the last digest, so no e-mail.
    clock.advance(24 * 3600)
    assert digest(platform) == 0
    send(platform, user)
    clock.advance(24 * 3600)
    assert digest(platform) == 1
    assert len(recorded(log)) == 2


def test_a_user_without_digest_gets_none(platform, clock, tmp_path) -> None:
    user = platform.users[Role.CITIZEN].id
    with platform.context() as session:
        set_address(session, user, email="an@example.vn")
        set_settings(session, user, digest=False, digest_hour=10)
    send(platform, user)
    clock.advance(2 * 3600)
    assert digest(platform) == 0
    assert recorded(tmp_path / "log") == []
