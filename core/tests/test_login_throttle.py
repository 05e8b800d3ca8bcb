"""Brute-force protection of password sign-in (identity/throttle.py), through the real API."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.identity import accounts, throttle
from sieuapp.core.identity.models import LoginThrottle, User
from sieuapp.core.settings import Settings
from sieuapp.core.tenancy.models import Tenant
from sieuapp.core.testing import Platform
from sqlalchemy import select

PASSWORD = "mat-khau-dai"
LOCKED_VI = "Tạm thời không thể đăng nhập vì đã thử sai quá nhiều lần. Vui lòng thử lại sau."
LOCKED_EN = "Too many failed sign-in attempts. Please try again later."


class Clock:
    """The throttle's time, moved by the test instead of waited for."""

    def __init__(self) -> None:
        self.time = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.time

    def advance(self, seconds: int) -> None:
        self.time += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def platform(make_platform: Any, clock: Clock) -> Platform:
    p = make_platform(
        plugins=[],
        login_failure_factor=3,
        login_ip_failure_factor=6,
        login_wait_increment=60,
        login_max_wait=150,
        login_failure_reset=3600,
    )
    throttle.use_clock(p.app, clock)
    with p.context() as session:
        accounts.create_user(session, "lan", PASSWORD, "Lê Thị Lan")
    return p


def login(
    platform: Platform,
    username: str = "lan",
    password: str = PASSWORD,
    ip: str = "203.0.113.7",
    language: str | None = None,
) -> Any:
    client = platform.client()
    client.environ_base["REMOTE_ADDR"] = ip
    headers = {"Accept-Language": language} if language else {}
    return client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}, headers=headers
    )


def fail(platform: Platform, times: int, username: str = "lan", **kwargs: Any) -> list[Any]:
    return [login(platform, username, "sai-mat-khau", **kwargs) for _ in range(times)]


def counter(platform: Platform, kind: str, key: str) -> int:
    with platform.context() as session:
        row = session.scalar(
            select(LoginThrottle).where(LoginThrottle.kind == kind, LoginThrottle.key == key)
        )
    return 0 if row is None else row.failures


def audited(platform: Platform, action: str) -> list[AuditEntry]:
    with platform.context() as session:
        return list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )


def test_locked_after_the_failure_factor_even_with_the_right_password(platform, clock):
    assert [r.status_code for r in fail(platform, 2)] == [401, 401]
    third = fail(platform, 1)[0]
    assert third.status_code == 429
    assert third.headers["Retry-After"] == "60"
    refused = login(platform)
    assert refused.status_code == 429
    assert "access_token" not in refused.json
    clock.advance(59)
    assert login(platform).headers["Retry-After"] == "1"
    clock.advance(1)
    assert login(platform).status_code == 200


def test_the_wait_grows_with_each_failure_up_to_the_maximum(platform, clock):
    waits = []
    for _ in range(5):
        response = fail(platform, 1)[0]
        if response.status_code == 429:
            waits.append(int(response.headers["Retry-After"]))
            clock.advance(waits[-1])
    assert waits == [60, 120, 150]
    assert counter(platform, "account", "lan") == 5


def test_attempts_while_locked_are_not_counted_and_check_no_password(platform):
    fail(platform, 3)
    fail(platform, 4)
    assert counter(platform, "account", "lan") == 3


@pytest.mark.parametrize(("language", "message"), [(None, LOCKED_VI), ("en", LOCKED_EN)])
def test_a_locked_unknown_username_gets_the_same_answer_as_a_locked_account(
    platform, language, message
):
    answers = []
    for username in ("lan", "khong-co-ai"):
        fail(platform, 3, username, language=language, ip=f"198.51.100.{len(answers)}")
        response = login(platform, username, PASSWORD, language=language, ip="192.0.2.1")
        answers.append((response.status_code, response.json, response.headers["Retry-After"]))
    assert answers[0] == answers[1]
    assert answers[0] == (
        429,
        {"code": "too_many_requests", "message": message, "errors": {}},
        "60",
    )
    assert counter(platform, "account", "khong-co-ai") == 3


def test_case_and_spaces_share_one_count(platform):
    login(platform, "Lan", "sai-mat-khau")
    login(platform, " lan ", "sai-mat-khau")
    assert login(platform, "LAN", "sai-mat-khau").status_code == 429


def test_a_correct_password_resets_the_account_count(platform):
    fail(platform, 2)
    assert login(platform).status_code == 200
    assert counter(platform, "account", "lan") == 0
    assert [r.status_code for r in fail(platform, 2)] == [401, 401]


def test_a_quiet_period_resets_the_count(platform, clock):
    fail(platform, 2)
    clock.advance(3599)
    fail(platform, 1)
    assert counter(platform, "account", "lan") == 3
    assert login(platform).status_code == 429
    clock.advance(60)
    fail(platform, 1)  # 4th in a row: locked again, longer
    clock.advance(3600)
    assert fail(platform, 1)[0].status_code == 401
    assert counter(platform, "account", "lan") == 1


def test_using_a_token_does_not_reset_the_count(platform):
    fail(platform, 2)
    with platform.context() as session:
        user = session.scalar(select(User).where(User.username == "lan"))
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == platform.tenant_slug))
        secret, _ = accounts.issue_token(session, user, tenant_id, 3600)
    client = platform.client()
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    )
    assert fail(platform, 1)[0].status_code == 429


def test_one_address_trying_many_usernames_is_locked(platform):
    responses = [login(platform, f"nguoi-{i}", "sai-mat-khau", ip="203.0.113.9") for i in range(6)]
    assert [r.status_code for r in responses] == [401] * 5 + [429]
    # Locked by the address: the right password of a clean account is refused there only.
    assert login(platform, ip="203.0.113.9").status_code == 429
    assert login(platform, ip="203.0.113.10").status_code == 200
    assert counter(platform, "ip", "203.0.113.9") == 6


def test_a_correct_password_does_not_reset_the_address_count(platform):
    fail(platform, 2, "nguoi-khac", ip="203.0.113.9")
    assert login(platform, ip="203.0.113.9").status_code == 200
    assert counter(platform, "ip", "203.0.113.9") == 2


def test_an_ipv6_client_counts_by_its_64_network(platform):
    fail(platform, 3, "mot", ip="2001:db8:1:2::a")
    fail(platform, 3, "hai", ip="2001:db8:1:2:ffff::b")
    assert counter(platform, "ip", "2001:db8:1:2::/64") == 6
    assert login(platform, ip="2001:db8:1:2::c").status_code == 429
    assert login(platform, ip="2001:db8:1:3::c").status_code == 200


def test_address_keys():
    assert throttle.address_key("::ffff:203.0.113.5") == "203.0.113.5"
    assert throttle.address_key("2001:db8::1") == "2001:db8::/64"
    assert throttle.address_key("203.0.113.5") == "203.0.113.5"


def test_failures_and_lockouts_are_audited(platform):
    fail(platform, 3)
    login(platform)
    failed = audited(platform, "auth.login_failed")
    assert [e.after for e in failed] == [
        {"reason": "credentials", "failures": {"account": 1, "ip": 1}},
        {"reason": "credentials", "failures": {"account": 2, "ip": 2}},
        {"reason": "credentials", "failures": {"account": 3, "ip": 3}},
        {"reason": "locked", "retry_after": 60},
    ]
    assert {(e.actor_label, e.ip) for e in failed} == {("lan", "203.0.113.7")}
    locked = audited(platform, "auth.locked")
    assert [(e.actor_label, e.after) for e in locked] == [
        ("lan", {"by": ["account"], "seconds": 60})
    ]
    assert audited(platform, "auth.login") == []


def test_the_policy_comes_from_the_settings():
    settings = Settings.from_env(
        {"SIEUAPP_LOGIN_FAILURE_FACTOR": "7", "SIEUAPP_LOGIN_MAX_WAIT": "300"}
    )
    policy = throttle.Policy.from_settings(settings)
    assert (policy.failure_factor, policy.ip_failure_factor, policy.max_wait) == (7, 50, 300)
    assert [policy.wait("account", n) for n in (6, 7, 8, 12, 13)] == [0, 60, 120, 300, 300]


@pytest.mark.parametrize("name", ["failure_factor", "wait_increment", "failure_reset"])
def test_a_policy_below_one_is_refused(name):
    with pytest.raises(ValueError, match=f"SIEUAPP_LOGIN_{name.upper()} must be at least 1"):
        throttle.Policy.from_settings(Settings(**{f"login_{name}": 0}))


@pytest.mark.postgres
def test_concurrent_failures_are_all_counted(make_platform, clock):
    # Factors out of reach: every attempt is checked and counted, none refused.
    platform = make_platform(plugins=[], login_failure_factor=1000, login_ip_failure_factor=1000)
    assert platform.runtime.engine.dialect.name == "postgresql"
    throttle.use_clock(platform.app, clock)
    threads, per_thread = 8, 6
    start = threading.Barrier(threads)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def hammer(n: int) -> None:
        try:
            start.wait(timeout=60)
            for i in range(per_thread):
                # Half on one shared username, half on a username of this thread's own.
                username = "citizen" if i % 2 else f"khong-co-{n}"
                statuses.append(
                    login(platform, username, "sai-mat-khau", ip="203.0.113.50").status_code
                )
        except BaseException as exc:  # reported below, with the thread's own traceback
            errors.append(exc)

    workers = [threading.Thread(target=hammer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert not errors, errors
    assert statuses == [401] * threads * per_thread
    assert counter(platform, "ip", "203.0.113.50") == threads * per_thread
    assert counter(platform, "account", "citizen") == threads * per_thread // 2
    assert [counter(platform, "account", f"khong-co-{n}") for n in range(threads)] == [
        per_thread // 2
    ] * threads
    assert len(audited(platform, "auth.login_failed")) == threads * per_thread
