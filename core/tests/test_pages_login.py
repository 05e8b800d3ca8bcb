"""The sign-in pages (identity/pages/login.py) through the Flask client: password, TOTP,
recovery codes, enrolment of a required second factor, sign-out, and every way to get it wrong."""

from __future__ import annotations

import re
import time
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.identity import mfa, throttle
from sieuapp.core.identity.browser import LOGIN_KEY
from sieuapp.core.identity.models import MfaChallenge, TotpCredential, User
from sqlalchemy import func, select

from .pages_helpers import (
    PASSWORD,
    T0,
    Clock,
    code_for,
    csrf,
    enrol,
    hidden,
    html,
    log_in,
    post_form,
    with_passwords,
)
from .support import install_clock

WRONG_VI = "Sai tên đăng nhập hoặc mật khẩu."
WRONG_EN = "Wrong username or password."


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return install_clock(monkeypatch, T0)


@pytest.fixture
def platform(make_platform):
    return with_passwords(make_platform(plugins=[]))


def signed_in_as(platform, client) -> str | None:
    """The username of the browser login the client's session cookie holds, if any."""
    response = client.get("/account")
    if response.status_code != 200:
        return None
    return re.search(r'<dd id="username">([^<]*)</dd>', html(response)).group(1)


def audit_actions(platform, action: str) -> list[AuditEntry]:
    with platform.context() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# -- the form -----------------------------------------------------------------------------------


def test_the_form_is_vietnamese_by_default_and_prefills_the_login_hint(platform):
    response = platform.client().get("/auth/login?login_hint=lan&next=/account")
    page = html(response)
    assert response.status_code == 200
    assert '<html lang="vi">' in page
    assert "Tên đăng nhập" in page and "Mật khẩu" in page
    assert hidden(page, "next") == "/account"
    assert 'name="username" value="lan"' in page
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("query", "headers", "expected"),
    [
        ("lang=en", {}, "en"),
        ("ui_locales=en-US vi", {}, "en"),
        ("ui_locales=fr vi", {"Accept-Language": "en"}, "vi"),
        ("", {"Accept-Language": "en-GB,en;q=0.9"}, "en"),
        ("", {"Accept-Language": "fr"}, "vi"),
        ("lang=vi", {"Accept-Language": "en"}, "vi"),
    ],
)
def test_the_page_language(platform, query, headers, expected):
    page = html(platform.client().get(f"/auth/login?{query}", headers=headers))
    assert f'<html lang="{expected}">' in page
    assert ("Sign in" in page) == (expected == "en")


def test_a_language_picked_with_lang_is_remembered(platform):
    client = platform.client()
    response = client.get("/auth/login?lang=en")
    assert "lang=en" in response.headers.getlist("Set-Cookie")[0]
    # No ?lang= and a Vietnamese browser: the cookie still says English.
    page = html(client.get("/auth/register", headers={"Accept-Language": "vi"}))
    assert '<html lang="en">' in page
    page = html(client.get("/auth/register?lang=vi"))
    assert '<html lang="vi">' in page


def test_the_session_cookie_is_httponly_and_samesite_lax(platform):
    client = platform.client()
    response = client.get("/auth/login")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    response = platform.client().get("/auth/login", base_url="https://hue.sieuapp.test/")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie


def test_the_stylesheet_is_served_and_cached(platform):
    client = platform.client()
    page = html(client.get("/auth/login"))
    url = re.search(r'<link rel="stylesheet" href="([^"]+)"', page).group(1)
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert "max-age=31536000" in response.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/static/other.css").status_code == 404


# -- password -----------------------------------------------------------------------------------


def test_a_citizen_signs_in_and_lands_on_next(platform):
    client = platform.client()
    response = log_in(client, "citizen", next="/account?tab=1")
    assert response.status_code == 303
    assert response.headers["Location"] == "/account?tab=1"
    assert signed_in_as(platform, client) == "citizen"
    (entry,) = audit_actions(platform, "auth.login")
    assert entry.after["amr"] == ["pwd"] and entry.after["acr"] == "urn:sieuapp:loa:0"


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "account",
        "",
    ],
)
def test_next_never_leaves_the_site(platform, next_url):
    client = platform.client()
    response = log_in(client, "citizen", next=next_url)
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"
    page = html(client.get(f"/auth/login?next={next_url}"))
    assert hidden(page, "next") == "/account"


@pytest.mark.parametrize(
    ("username", "password"), [("citizen", "sai-mat-khau"), ("nobody", PASSWORD)]
)
def test_a_wrong_password_and_an_unknown_user_read_the_same(platform, username, password):
    client = platform.client()
    response = log_in(client, username, password)
    assert response.status_code == 401
    assert WRONG_VI in html(response)
    assert signed_in_as(platform, client) is None
    response = log_in(client, username, password, lang="en")
    assert WRONG_EN in html(response)


def test_an_inactive_user_cannot_sign_in(platform):
    with platform.context() as session:
        session.scalar(select(User).where(User.username == "citizen")).active = False
    response = log_in(platform.client(), "citizen")
    assert response.status_code == 401 and WRONG_VI in html(response)


def test_a_locked_account_shows_the_throttles_message(platform):
    client = platform.client()
    for _ in range(5):
        log_in(client, "citizen", "sai-mat-khau")
    response = log_in(client, "citizen")  # the right password, but locked
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert throttle.LOCKED_MESSAGE.vi in html(response)
    assert signed_in_as(platform, client) is None
    # An unknown username locks the same way, with the same words.
    for _ in range(5):
        log_in(client, "nobody", "x")
    response = log_in(client, "nobody", "x", lang="en")
    assert response.status_code == 429 and throttle.LOCKED_MESSAGE.en in html(response)


def test_empty_fields_are_refused_without_counting(platform):
    client = platform.client()
    response = log_in(client, "citizen", "")
    assert response.status_code == 400
    assert "Hãy nhập tên đăng nhập và mật khẩu." in html(response)
    assert audit_actions(platform, "auth.login_failed") == []


@pytest.mark.parametrize("token", [None, "", "forged"])
def test_a_form_without_this_sessions_csrf_token_is_refused(platform, token):
    client = platform.client()
    client.get("/auth/login")
    data = {"username": "citizen", "password": PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/auth/login", data=data)
    assert response.status_code == 403
    assert "Biểu mẫu đã hết hạn" in html(response)
    assert signed_in_as(platform, client) is None
    assert audit_actions(platform, "auth.login_failed") == []


def test_another_sessions_csrf_token_is_refused(platform):
    theirs = csrf(platform.client())
    client = platform.client()
    client.get("/auth/login")
    response = log_in(client, "citizen", csrf_token=theirs)
    assert response.status_code == 403


def test_signing_in_starts_a_new_session(platform):
    client = platform.client()
    before = csrf(client)
    log_in(client, "citizen", csrf_token=before)
    after = csrf(client, "/account")
    assert after != before
    # The token from before the sign-in no longer works.
    response = client.post("/auth/logout", data={"csrf_token": before})
    assert response.status_code == 403


# -- second factor -----------------------------------------------------------------------------


def test_an_enrolled_official_signs_in_with_totp(platform, clock):
    secret, _ = enrol(platform, "official", clock)
    client = platform.client()
    response = log_in(client, "official", next="/account")
    assert response.status_code == 200
    page = html(response)
    assert 'action="/auth/login/totp"' in page
    assert signed_in_as(platform, client) is None  # not before the second factor
    response = post_form(client, "/auth/login/totp", code=code_for(secret, clock))
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    assert signed_in_as(platform, client) == "official"
    entry = audit_actions(platform, "auth.login")[-1]
    assert entry.after["amr"] == ["pwd", "otp"]


def test_a_wrong_code_is_refused_and_the_challenge_runs_out(platform, clock):
    secret, _ = enrol(platform, "official", clock)
    client = platform.client()
    log_in(client, "official", next="/account/data")
    for _ in range(mfa.CHALLENGE_MAX_FAILURES):
        response = post_form(client, "/auth/login/totp", code="000000")
        assert response.status_code == 401
        assert "Mã xác thực không đúng" in html(response)
    # Out of tries: even the right code sends the user back to their password.
    response = post_form(client, "/auth/login/totp", code=code_for(secret, clock))
    assert response.status_code == 401
    assert 'action="/auth/login"' in html(response)
    assert hidden(html(response), "next") == "/account/data"  # where the user was going
    assert signed_in_as(platform, client) is None
    assert len(audit_actions(platform, "auth.mfa_failed")) == mfa.CHALLENGE_MAX_FAILURES


def test_a_code_is_good_once(platform, clock):
    secret, _ = enrol(platform, "official", clock)
    code = code_for(secret, clock)
    first, second = platform.client(), platform.client()
    log_in(first, "official")
    log_in(second, "official")
    assert post_form(first, "/auth/login/totp", code=code).status_code == 303
    assert post_form(second, "/auth/login/totp", code=code).status_code == 401


def test_an_expired_challenge_needs_the_password_again(platform, clock):
    secret, _ = enrol(platform, "official", clock)
    client = platform.client()
    log_in(client, "official")
    clock.advance(mfa.CHALLENGE_TTL + 1)
    response = post_form(client, "/auth/login/totp", code=code_for(secret, clock))
    assert response.status_code == 401
    assert "Phiên đăng nhập đã hết hạn" in html(response)


def test_a_recovery_code_answers_the_challenge_once(platform, clock):
    _, codes = enrol(platform, "official", clock)
    client = platform.client()
    log_in(client, "official")
    response = post_form(client, "/auth/login/totp", code=codes[0].upper())
    assert response.status_code == 303
    other = platform.client()
    log_in(other, "official")
    assert post_form(other, "/auth/login/totp", code=codes[0]).status_code == 401


def test_the_code_step_without_a_password_goes_back_to_sign_in(platform, clock):
    client = platform.client()
    assert client.get("/auth/login/totp").headers["Location"] == "/auth/login"
    response = post_form(client, "/auth/login/totp", code="123456", csrf_token=csrf(client))
    assert response.status_code == 401
    assert signed_in_as(platform, client) is None


def test_an_official_without_totp_enrols_before_the_login_completes(platform, clock):
    client = platform.client()
    response = log_in(client, "official", next="/account")
    assert response.status_code == 200
    page = html(response)
    secret = re.search(r'<code class="secret" id="secret">([A-Z2-7]+)</code>', page).group(1)
    uri = re.search(r'<code class="uri" id="otpauth-uri">([^<]+)</code>', page).group(1)
    assert parse_qs(urlsplit(unescape(uri)).query)["secret"] == [secret]
    assert signed_in_as(platform, client) is None
    # A reload shows the same secret, not a new one.
    assert secret in html(client.get("/auth/login/enrol"))
    response = post_form(client, "/auth/login/enrol", code="000000")
    assert response.status_code == 422 and "Mã xác thực không đúng" in html(response)
    assert signed_in_as(platform, client) is None
    response = post_form(client, "/auth/login/enrol", code=code_for(secret, clock))
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", html(response))
    assert len(codes) == mfa.RECOVERY_CODE_COUNT
    assert 'href="/account"' in html(response)
    assert signed_in_as(platform, client) == "official"
    with platform.context() as session:
        user = session.scalar(select(User).where(User.username == "official"))
        assert mfa.is_enrolled(session, user.id)
    # The next sign-in asks for a code.
    clock.advance(30)
    again = platform.client()
    assert 'action="/auth/login/totp"' in html(log_in(again, "official"))


def test_enrolment_state_expires(platform, clock, monkeypatch):
    client = platform.client()
    log_in(client, "official")
    later = time.time() + mfa.ENROLMENT_TOKEN_TTL + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get("/auth/login/enrol").headers["Location"] == "/auth/login"
    response = post_form(client, "/auth/login/enrol", code="123456", csrf_token=csrf(client))
    assert response.status_code == 401
    with platform.context() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(TotpCredential)
                .where(TotpCredential.confirmed_at.is_not(None))
            )
            == 0
        )


def test_a_citizen_is_not_asked_for_a_second_factor(platform, clock):
    client = platform.client()
    assert log_in(client, "citizen").status_code == 303
    with platform.context() as session:
        assert session.scalar(select(func.count()).select_from(MfaChallenge)) == 0


# -- tenants and sign-out -----------------------------------------------------------------------


def test_a_login_is_bound_to_its_tenant(platform):
    from sieuapp.core.tenancy.provinces import create_tenant

    with platform.context() as session:
        create_tenant(session, "danang", 48)
    client = platform.client()
    log_in(client, "citizen")
    assert signed_in_as(platform, client) == "citizen"
    client.host = "danang.sieuapp.test"
    response = client.get("/account")
    assert response.status_code == 303 and response.headers["Location"].startswith("/auth/login")


def test_signing_out(platform):
    client = platform.client()
    log_in(client, "citizen")
    token = csrf(client, "/account")
    response = client.post("/auth/logout", data={"csrf_token": token, "next": "//evil.example"})
    assert response.status_code == 303 and response.headers["Location"] == "/auth/login"
    assert signed_in_as(platform, client) is None
    (entry,) = audit_actions(platform, "auth.logout")
    assert entry.after["how"] == "browser"


def test_signing_out_needs_the_csrf_token(platform):
    client = platform.client()
    log_in(client, "citizen")
    assert client.post("/auth/logout", data={}).status_code == 403
    assert signed_in_as(platform, client) == "citizen"


def test_the_login_lasts_as_long_as_the_setting(platform):
    client = platform.client()
    log_in(client, "citizen")
    with client.session_transaction(base_url="http://hue.sieuapp.test/") as session:
        login = dict(session[LOGIN_KEY])
        login["at"] -= platform.runtime.settings.browser_login_ttl + 1
        session[LOGIN_KEY] = login
    assert signed_in_as(platform, client) is None
