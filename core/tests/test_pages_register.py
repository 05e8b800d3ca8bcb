"""Self-registration (identity/pages/register.py): a level-0 citizen, signed in at once; every
problem named by its field and nothing written; a per-address limit."""

from __future__ import annotations

import pytest
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.identity import throttle
from sieuapp.core.identity.models import LoginThrottle, RoleAssignment, User
from sqlalchemy import func, select

from .pages_helpers import html, log_in, post_form, with_passwords

GOOD = {"username": "lan", "full_name": "Nguyễn Thị Lan", "password": "mat-khau-dai"}


@pytest.fixture
def platform(make_platform):
    return with_passwords(make_platform(plugins=[]))


def users(platform) -> int:
    with platform.context() as session:
        return session.scalar(select(func.count()).select_from(User))


def register(client, **fields):
    return post_form(client, "/auth/register", **{**GOOD, **fields})


def test_the_form(platform):
    page = html(platform.client().get("/auth/register?next=/account/data&lang=en"))
    assert '<html lang="en">' in page
    for name in ("username", "full_name", "password", "phone"):
        assert f'<label for="{name}">' in page and f'id="{name}" name="{name}"' in page
    assert 'name="next" value="/account/data"' in page


def test_registering_makes_a_level_0_citizen_and_signs_in(platform):
    client = platform.client()
    response = register(client, username=" Lan ", phone="+84 905 123 456", next="/account/data")
    assert response.status_code == 303 and response.headers["Location"] == "/account/data"
    with platform.context() as session:
        user = session.scalar(select(User).where(User.username == "lan"))
        assert user.full_name == "Nguyễn Thị Lan"
        assert user.phone == "+84905123456" and user.phone_verified_at is None
        assert user.assurance_level == 0
        # A citizen holds no stored role: ``citizen`` is implied for every account.
        assert session.scalar(select(func.count()).where(RoleAssignment.user_id == user.id)) == 0
        actions = [
            e.action
            for e in session.scalars(select(AuditEntry).where(AuditEntry.actor_id == user.id))
        ]
    assert actions == ["user.created", "auth.login"]
    page = html(client.get("/account"))
    assert '<dd id="username">lan</dd>' in page
    # The new password works on the sign-in form.
    assert log_in(platform.client(), "lan", GOOD["password"]).status_code == 303


@pytest.mark.parametrize(
    ("fields", "bad", "message"),
    [
        ({"username": "ab"}, "username", "Tên đăng nhập cần từ 3 đến 120 ký tự."),
        ({"username": "   "}, "username", "Tên đăng nhập cần từ 3 đến 120 ký tự."),
        ({"username": "x" * 121}, "username", "Tên đăng nhập cần từ 3 đến 120 ký tự."),
        ({"password": "ngan"}, "password", "Mật khẩu cần ít nhất 8 ký tự."),
        ({"full_name": " "}, "full_name", "Hãy nhập họ tên"),
        ({"full_name": "A" * 201}, "full_name", "Hãy nhập họ tên"),
        ({"phone": "12ab"}, "phone", "Số điện thoại gồm 9 đến 15 chữ số"),
        ({"phone": "1" * 16}, "phone", "Số điện thoại gồm 9 đến 15 chữ số"),
        ({"username": "citizen"}, "username", "Tên đăng nhập này đã có người dùng."),
        ({"username": "CITIZEN"}, "username", "Tên đăng nhập này đã có người dùng."),
    ],
)
def test_a_problem_names_its_field_and_writes_nothing(platform, fields, bad, message):
    before = users(platform)
    client = platform.client()
    response = register(client, **fields)
    page = html(response)
    assert response.status_code == 422
    assert f'<p class="field-error" id="{bad}-error">{message}' in page
    assert 'aria-invalid="true"' in page
    assert page.count('class="field-error"') == 1
    assert users(platform) == before
    assert client.get("/account").status_code == 303  # not signed in
    # What was typed is kept, except the password.
    assert 'name="password" type="password" autocomplete="new-password"' in page
    assert GOOD["password"] not in page


def test_every_problem_at_once_in_english(platform):
    response = register(platform.client(), username="a", password="b", full_name="", lang="en")
    page = html(response)
    for field in ("username", "password", "full_name"):
        assert f'id="{field}-error"' in page
    assert "The password must be at least 8 characters." in page


def test_registration_needs_the_csrf_token(platform):
    client = platform.client()
    client.get("/auth/register")
    response = client.post("/auth/register", data=GOOD)
    assert response.status_code == 403
    assert users(platform) == 5


def test_next_is_kept_on_the_site(platform):
    response = register(platform.client(), next="https://evil.example/")
    assert response.headers["Location"] == "/account"


def test_one_address_may_register_only_so_many(make_platform):
    platform = make_platform(plugins=[], registration_ip_limit=2, registration_window=3600)
    for i in range(2):
        assert register(platform.client(), username=f"user{i}").status_code == 303
    response = register(platform.client(), username="user2")
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    assert "Đã có quá nhiều tài khoản" in html(response)
    with platform.context() as session:
        assert session.scalar(select(func.count()).where(User.username == "user2")) == 0
        row = session.scalar(select(LoginThrottle).where(LoginThrottle.kind == "register"))
        assert row.failures == 2


def test_the_registration_window_starts_again(make_platform):
    platform = make_platform(plugins=[], registration_ip_limit=1, registration_window=60)
    now = [throttle.policy(platform.app).now()]
    throttle.use_clock(platform.app, lambda: now[0])
    assert register(platform.client(), username="first").status_code == 303
    assert register(platform.client(), username="second").status_code == 429
    from datetime import timedelta

    now[0] += timedelta(seconds=61)
    assert register(platform.client(), username="second").status_code == 303


def test_a_refused_registration_is_not_counted(make_platform):
    platform = make_platform(plugins=[], registration_ip_limit=1)
    assert register(platform.client(), username="ab").status_code == 422
    assert register(platform.client(), username="citizen").status_code == 422
    assert register(platform.client(), username="lan").status_code == 303
