"""``services.notify``: a plugin reaches a user only with the ``notify`` scope declared and
granted, and only under its own kinds."""

from __future__ import annotations

from pathlib import Path

import pytest
from sieuapp.core.identity import consent
from sieuapp.core.notifications.models import Delivery, Notification
from sieuapp.sdk import LocalizedText, Role

from .delivery_support import count, recorded, recorder_platform, settle, subscribe
from .reports_support import MONDAY, tenant_id
from .support import install_clock

NOTIFIER = """
from flask import Blueprint, jsonify
from sieuapp.sdk import FrontendEntry, Manifest, NOTIFY_SCOPE, Scope, hookimpl, text


@hookimpl
def manifest():
    return Manifest(
        id="{id}",
        name=text("Xe buýt", "Bus"),
        description=text("Báo xe đến", "Bus arrivals"),
        sdk_api=">=1.3,<2",
        scopes={scopes},
        frontend=FrontendEntry(route="/", icon="app", category="other"),
    )
"""
SCOPES = '(Scope(NOTIFY_SCOPE, text("Báo khi xe đến", "To tell you the bus is near")),)'
TITLE = LocalizedText("Xe sắp đến", "Your bus is near")
BODY = LocalizedText("Tuyến 1 còn 3 phút.", "Line 1 in 3 minutes.")


@pytest.fixture
def platform(make_platform, synthetic, monkeypatch, tmp_path: Path):
    install_clock(monkeypatch, MONDAY)
    extra = {
        "bus": NOTIFIER.format(id="bus", scopes=SCOPES),
        "quiet": NOTIFIER.format(id="quiet", scopes="()"),
    }
    return recorder_platform(make_platform, synthetic, monkeypatch, tmp_path / "log", extra)


def send(platform, plugin_id: str, kind: str = "", **kwargs) -> bool:
    user = platform.users[Role.CITIZEN].id
    with platform.context():
        services = platform.runtime.host.services[plugin_id]
        answer = services.notify.send(
            user, kind or f"{plugin_id}.arriving", kwargs.pop("title", TITLE), BODY, **kwargs
        )
    settle(platform)
    return answer


def grant(platform, plugin_id: str) -> None:
    user = platform.users[Role.CITIZEN].id
    with platform.context() as session:
        consent.grant(session, user, tenant_id(session), plugin_id, ["notify"])


def test_only_with_the_scope_declared_and_granted(platform, tmp_path) -> None:
    user = platform.users[Role.CITIZEN].id
    with platform.context() as session:
        subscribe(session, user, "https://push.example/bus")
    assert send(platform, "bus") is False
    grant(platform, "quiet")
    assert send(platform, "quiet") is False
    assert count(platform, Notification) == 0

    grant(platform, "bus")
    assert send(platform, "bus", link="/bus/1", data={"line": 1}) is True
    (message,) = recorded(tmp_path / "log")
    assert (message["kind"], message["title"], message["data"]["line"]) == (
        "bus.arriving",
        TITLE.vi,
        1,
    )
    with platform.context() as session:
        assert session.query(Notification.module).scalar() == "bus"
        consent.revoke(session, user, tenant_id(session), "bus", actor_id=user)
    assert send(platform, "bus") is False
    assert count(platform, Notification) == 1 and count(platform, Delivery) == 1


@pytest.mark.parametrize(
    ("kind", "title", "field"),
    [
        ("report.fake", TITLE, "kind"),
        ("bus.arriving", LocalizedText("", "Bus"), "title.vi"),
        ("bus.arriving", "Xe", "title"),
    ],
)
def test_bad_input_raises_naming_plugin_and_field(platform, kind, title, field) -> None:
    grant(platform, "bus")
    with pytest.raises(ValueError, match=rf"plugin 'bus'.*{field}"):
        send(platform, "bus", kind=kind, title=title)
    assert count(platform, Notification) == 0
