"""Brute-force protection of password sign-in, after Keycloak's brute-force detection.

Failed attempts are counted per username (unknown ones too, so that a lockout tells nothing about
whether an account exists) and per client address. From ``failure_factor`` failures on, each
further failure locks the username (or the address) for ``wait_increment`` seconds times the
number of failures past the factor plus one, never longer than ``max_wait``; a count starts again
after ``failure_reset`` seconds without a failure, and a username's count also after a correct
password. While locked, no password is checked at all, the right one included.

The counters live in the database, so that every worker and machine agrees; each is read and
written under a row lock (PostgreSQL) or the database's write lock (SQLite), so that concurrent
failures are all counted. Every sign-in form calls :func:`sign_in`: the API's
``POST /api/v1/auth/login`` and the OpenID Provider's login page alike.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta

from flask import Flask, current_app
from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import PlatformError, Unauthorized
from sqlalchemy import and_, delete, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .._runtime import runtime_of
from ..audit.log import record as audit
from ..db import utcnow
from ..settings import Settings
from . import accounts
from .models import LoginThrottle, User

ACCOUNT = "account"
IP = "ip"
#: Where an app keeps its :class:`Policy` (built from its settings on first use).
POLICY_KEY = "sieuapp.login_throttle"
#: One message for a locked username, a locked unknown username and a locked address alike.
LOCKED_MESSAGE = LocalizedText(
    "Tạm thời không thể đăng nhập vì đã thử sai quá nhiều lần. Vui lòng thử lại sau.",
    "Too many failed sign-in attempts. Please try again later.",
)
WRONG_CREDENTIALS = "Wrong username or password."


class LockedOut(PlatformError):
    """An attempt refused without checking its password; answer it with ``Retry-After``."""

    status = 429
    code = "too_many_requests"

    def __init__(self, retry_after: int, language: str = "vi") -> None:
        super().__init__(LOCKED_MESSAGE.get(language))
        self.retry_after = retry_after


@dataclass(frozen=True)
class Policy:
    """The parameters (``SIEUAPP_LOGIN_*``) and the clock, which tests replace."""

    failure_factor: int = 5
    ip_failure_factor: int = 50
    wait_increment: int = 60
    max_wait: int = 900
    failure_reset: int = 43200
    now: Callable[[], datetime] = utcnow

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, int) and value < 1:
                raise ValueError(f"SIEUAPP_LOGIN_{f.name.upper()} must be at least 1, not {value}")

    @classmethod
    def from_settings(cls, settings: Settings, now: Callable[[], datetime] = utcnow) -> Policy:
        return cls(
            failure_factor=settings.login_failure_factor,
            ip_failure_factor=settings.login_ip_failure_factor,
            wait_increment=settings.login_wait_increment,
            max_wait=settings.login_max_wait,
            failure_reset=settings.login_failure_reset,
            now=now,
        )

    def factor(self, kind: str) -> int:
        return self.ip_failure_factor if kind == IP else self.failure_factor

    def wait(self, kind: str, failures: int) -> int:
        """Seconds of lockout after the ``failures``-th failure of a ``kind`` counter."""
        past = failures - self.factor(kind) + 1
        return min(self.wait_increment * past, self.max_wait) if past > 0 else 0


def policy(app: Flask | None = None) -> Policy:
    """The app's policy, built from its settings the first time it is asked for."""
    app = app or current_app
    found = app.extensions.get(POLICY_KEY)
    if found is None:
        found = Policy.from_settings(runtime_of(app).settings)
        app.extensions[POLICY_KEY] = found
    return found


def use_clock(app: Flask, now: Callable[[], datetime]) -> None:
    """Make ``app``'s throttle read the time from ``now`` (tests move time instead of waiting)."""
    app.extensions[POLICY_KEY] = replace(policy(app), now=now)


def username_key(username: str) -> str:
    """The username as accounts look it up, so that ``Lan`` and ``lan `` share one count."""
    return username.strip().lower()[:120]


def address_key(address: str) -> str:
    """An IPv6 client counts by its /64, which one subscriber usually holds whole; an IPv4
    address (mapped into IPv6 or not) counts by itself."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:120]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def _subjects(username: str, address: str | None) -> list[tuple[str, str]]:
    """The counters an attempt touches, sorted: every transaction locks them in this one
    order, so two attempts never wait for each other in a cycle."""
    keys = [(ACCOUNT, username_key(username))]
    if address:
        keys.append((IP, address_key(address)))
    return sorted(keys)


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


def retry_after(session: Session, policy: Policy, username: str, address: str | None) -> int:
    """Seconds before an attempt on ``username`` from ``address`` may be checked; 0: now."""
    now = policy.now()
    matches = [
        and_(LoginThrottle.kind == k, LoginThrottle.key == v)
        for k, v in _subjects(username, address)
    ]
    until = session.scalars(
        select(LoginThrottle.locked_until).where(or_(*matches), LoginThrottle.locked_until > now)
    ).all()
    return max((_seconds(u - now) for u in until if u is not None), default=0)


@dataclass(frozen=True)
class Failure:
    #: The count of each counter touched, by kind, this failure included.
    failures: dict[str, int]
    #: Seconds of the lockout this failure started; 0 when it started none.
    locked_for: int
    #: The kinds of counter this failure locked.
    locked: tuple[str, ...]


def _locked_row(session: Session, kind: str, key: str, now: datetime) -> LoginThrottle:
    """The counter, created if missing, locked until the transaction ends."""
    # An upsert that does nothing on conflict, so that two first failures of one key at once
    # do not fail on the unique constraint; the two databases the platform runs on spell it
    # alike through their own dialects.
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(LoginThrottle)
        .values(kind=kind, key=key, failures=0, last_failure_at=now)
        .on_conflict_do_nothing(index_elements=["kind", "key"])
    )
    return session.scalars(
        select(LoginThrottle)
        .where(LoginThrottle.kind == kind, LoginThrottle.key == key)
        .with_for_update()
        # The values another transaction committed while this one waited for the lock, not
        # the ones this session may have read before.
        .execution_options(populate_existing=True)
    ).one()


def record_failure(session: Session, policy: Policy, username: str, address: str | None) -> Failure:
    """Count a failed attempt on ``username`` from ``address``, locking what reaches its factor."""
    now = policy.now()
    reset = timedelta(seconds=policy.failure_reset)
    counts: dict[str, int] = {}
    locked: list[str] = []
    locked_for = 0
    for kind, key in _subjects(username, address):
        row = _locked_row(session, kind, key, now)
        if now - row.last_failure_at >= reset:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        wait = policy.wait(kind, row.failures)
        if wait:
            until = now + timedelta(seconds=wait)
            row.locked_until = max(until, row.locked_until) if row.locked_until else until
            locked.append(kind)
            locked_for = max(locked_for, wait)
        counts[kind] = row.failures
    session.flush()
    return Failure(counts, locked_for, tuple(locked))


def record_success(session: Session, username: str) -> None:
    """Forget the failures of ``username``.

    Call it only after a correct password: refreshing or exchanging a token proves nothing about
    the password and must not reset the count, or whoever holds a token could keep guessing.
    The address's count is kept on purpose: were it reset too, one account of their own would
    let an attacker clear their address's count between guesses at others."""
    session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.kind == ACCOUNT, LoginThrottle.key == username_key(username)
        )
    )


def sign_in(
    session: Session,
    username: str,
    password: str,
    *,
    tenant_id: int,
    address: str | None,
    policy: Policy,
    language: str = "vi",
) -> User:
    """The user whose password this is, counted and audited; the one password check of every
    sign-in form.

    Raises :class:`LockedOut` (nothing checked, or this failure started a lockout) or
    ``Unauthorized``. Failures are committed before raising, since the request's rollback must
    not take the count back; a success is left to the caller's transaction."""
    label = username_key(username)
    wait = retry_after(session, policy, username, address)
    if wait:
        audit(
            session,
            "auth.login_failed",
            tenant_id=tenant_id,
            actor_label=label,
            after={"reason": "locked", "retry_after": wait},
        )
        session.commit()
        raise LockedOut(wait, language)
    user = accounts.authenticate(session, username, password)
    if user is not None:
        record_success(session, username)
        return user
    failure = record_failure(session, policy, username, address)
    audit(
        session,
        "auth.login_failed",
        tenant_id=tenant_id,
        actor_label=label,
        after={"reason": "credentials", "failures": failure.failures},
    )
    if failure.locked:
        audit(
            session,
            "auth.locked",
            tenant_id=tenant_id,
            actor_label=label,
            after={"by": list(failure.locked), "seconds": failure.locked_for},
        )
    session.commit()
    if failure.locked:
        raise LockedOut(failure.locked_for, language)
    raise Unauthorized(WRONG_CREDENTIALS)
