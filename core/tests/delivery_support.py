"""Helpers for the delivery engine's tests: a platform with the recorder channel plugin, users
with addresses and subscriptions, and running what is due."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from sieuapp.core.identity.models import User
from sieuapp.core.notifications.models import (
    Delivery,
    NotificationPreference,
    NotificationSettings,
    PushSubscription,
)
from sieuapp.core.testing import Platform
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .notifications_support import RECORDER_ENV, recorded, recorder_plugin
from .reports_support import tenant_id


def recorder_platform(
    make_platform: Any,
    synthetic: Any,
    monkeypatch: pytest.MonkeyPatch,
    log: Path,
    extra_plugins: dict[str, str] | None = None,
) -> Platform:
    """A platform whose ``recorder`` plugin (first) serves web_push, email and sms."""
    monkeypatch.setenv(RECORDER_ENV, str(log))
    synthetic("recorder", recorder_plugin())
    for plugin_id, source in (extra_plugins or {}).items():
        synthetic(plugin_id, source)
    return make_platform(
        plugins=["recorder", *(extra_plugins or {})], entry_points=synthetic.entry_points()
    )


def subscribe(session: Session, user_id: str, endpoint: str) -> int:
    row = PushSubscription(
        user_id=user_id,
        tenant_id=tenant_id(session),
        endpoint=endpoint,
        endpoint_hash=hashlib.sha256(endpoint.encode()).hexdigest(),
        p256dh="BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
        auth="tBHItJI5svbpez7KI4CCXg",
    )
    session.add(row)
    session.flush()
    return row.id


def choose(session: Session, user_id: str, module: str, channel: str, enabled: bool) -> None:
    session.add(
        NotificationPreference(
            user_id=user_id,
            tenant_id=tenant_id(session),
            module=module,
            channel=channel,
            enabled=enabled,
        )
    )


def set_settings(session: Session, user_id: str, **fields: Any) -> NotificationSettings:
    row = NotificationSettings(user_id=user_id, tenant_id=tenant_id(session), **fields)
    session.add(row)
    session.flush()
    return row


def set_address(session: Session, user_id: str, **fields: Any) -> None:
    user = session.get(User, user_id)
    for name, value in fields.items():
        setattr(user, name, value)


def settle(platform: Platform) -> None:
    """Wait for the tasks dispatched so far (a thread pool on PostgreSQL, at once on SQLite)."""
    platform.runtime.task_backend.settle()


def deliveries(platform: Platform, **where: Any) -> list[Delivery]:
    settle(platform)
    with platform.context() as session:
        query = select(Delivery).order_by(Delivery.channel, Delivery.created_at)
        for name, value in where.items():
            query = query.where(getattr(Delivery, name) == value)
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows


def count(platform: Platform, model: Any) -> int:
    with platform.context() as session:
        return int(session.scalar(select(func.count()).select_from(model)))


def run_due(platform: Platform) -> object:
    """The periodic sweep, as the pump or Celery beat runs it."""
    result = platform.runtime.run_periodic("notifications.deliver_due")
    settle(platform)
    return result


__all__ = ["recorded"]
