"""What the assurance tests share: a platform with the development SMS sender on, a clock, and
reading the code the development sender wrote to the log (as a developer would)."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sieuapp.core.identity.models import User
from sieuapp.core.testing import Platform
from sqlalchemy import select

from . import support
from .support import Clock

T0 = datetime(2026, 11, 23, 8, 0, 0, tzinfo=UTC)
SMS_LOG = re.compile(r"development SMS to (\+84\d{9}): .*?\b(\d{6})\b")

#: Fictional people of the test registry (not real citizens).
AN = {"national_id": "046090123456", "full_name": "Nguyễn Văn An", "birthdate": "1990-05-17"}
BINH = {"national_id": "048185654321", "full_name": "Trần Thị Bình", "birthdate": "1985-01-02"}


def install_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Identity's clock from :data:`T0`."""
    return support.install_clock(monkeypatch, T0)


def write_registry(folder: Path, records: list[dict[str, str]] | None = None) -> Path:
    path = folder / "registry.json"
    path.write_text(
        json.dumps({"note": "fictional people", "records": records or [AN, BINH]}),
        encoding="utf-8",
    )
    return path


def sent_code(caplog: pytest.LogCaptureFixture, phone: str | None = None) -> str:
    """The code in the last development SMS (to ``phone`` when given)."""
    found = [
        m
        for r in caplog.records
        if r.name == "sieuapp.sms" and (m := SMS_LOG.search(r.getMessage()))
    ]
    if phone is not None:
        found = [m for m in found if m.group(1) == phone]
    assert found, "no development SMS was logged"
    return found[-1].group(2)


def bearer(platform: Platform, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {platform.token(role)}"}


def user_row(platform: Platform, username: str) -> User:
    with platform.context() as session:
        user = session.scalar(select(User).where(User.username == username))
        session.expunge(user)
        return user


def verify_phone(
    platform: Platform,
    caplog: pytest.LogCaptureFixture,
    clock: Clock,
    role: str = "citizen",
    phone: str = "0905123456",
) -> Any:
    """Take ``role``'s user to level 1 through the API."""
    client = platform.client(role)
    caplog.set_level(logging.WARNING, logger="sieuapp.sms")
    sent = client.post("/api/v1/me/phone/verification", json={"phone": phone})
    assert sent.status_code == 202, sent.json
    answer = client.post(
        "/api/v1/me/phone/verification/confirm",
        json={"code": sent_code(caplog, sent.json["phone"])},
    )
    assert answer.status_code == 200, answer.json
    clock.advance(3600)
    return answer
