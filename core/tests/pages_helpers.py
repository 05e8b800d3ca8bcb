"""What the page tests share: a platform whose users have passwords, a clock for TOTP, and
driving the server-rendered forms with the Flask test client as a browser would."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

from flask.testing import FlaskClient
from sieuapp.core.identity import mfa, totp
from sieuapp.core.identity.models import User
from sieuapp.core.identity.passwords import hash_password
from sieuapp.core.tenancy.context import current_tenant
from sieuapp.core.testing import Platform
from sqlalchemy import select

from .support import Clock

PASSWORD = "mat-khau-dai"
T0 = datetime(2026, 11, 23, 8, 0, 0, tzinfo=UTC)


def with_passwords(platform: Platform) -> Platform:
    """Give every seeded user :data:`PASSWORD`."""
    with platform.context() as session:
        for user in session.scalars(select(User)):
            user.password_hash = hash_password(PASSWORD)
    return platform


def html(response: Any) -> str:
    return response.get_data(as_text=True)


def hidden(page: str, name: str) -> str:
    """The value of the form field ``name`` in ``page``."""
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    assert found, f"no field {name!r} in:\n{page}"
    return unescape(found.group(1))


def csrf(client: FlaskClient, path: str = "/auth/login") -> str:
    """The session's CSRF token, as the form at ``path`` carries it."""
    return hidden(html(client.get(path)), "csrf_token")


def post_form(client: FlaskClient, path: str, **fields: str) -> Any:
    """Submit the form at ``path`` with its CSRF token and ``fields``."""
    token = fields.pop("csrf_token", None) or csrf(client, path)
    return client.post(path, data={"csrf_token": token, **fields})


def log_in(client: FlaskClient, username: str, password: str = PASSWORD, **fields: str) -> Any:
    return post_form(client, "/auth/login", username=username, password=password, **fields)


def code_for(secret: str, clock: Clock, offset_steps: int = 0) -> str:
    """The TOTP code an authenticator app would show at the clock's time."""
    when = clock.now + timedelta(seconds=totp.STEP * offset_steps)
    return totp.totp(totp.decode_secret(secret), when.timestamp())


def enrol(platform: Platform, username: str, clock: Clock) -> tuple[str, list[str]]:
    """Turn TOTP on for ``username`` directly; returns the secret and the recovery codes."""
    with platform.context() as session:
        user = session.scalar(select(User).where(User.username == username))
        secret, _ = mfa.start_enrolment(session, user, "Huế")
        codes = mfa.confirm_enrolment(session, user, code_for(secret, clock), current_tenant().id)
    clock.advance(totp.STEP)
    return secret, codes
