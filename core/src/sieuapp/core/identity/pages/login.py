"""The sign-in pages: password, then (when due) a TOTP or recovery code, or TOTP enrolment for
a role that requires it. The checks are the API's own (``throttle.sign_in``, ``mfa``)."""

from __future__ import annotations

import time
from typing import Any

from flask import Response, redirect, request, session
from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import Conflict, InvalidInput, Unauthorized

from ..._runtime import runtime_of
from ...db import current_session
from ...tenancy.context import current_tenant
from .. import mfa, throttle, totp
from ..browser import (
    check_csrf,
    forget_login,
    page_language,
    remember_login,
    render_page,
    safe_next,
)
from ..federation.providers import login_providers
from ..models import User
from . import blp
from .common import checked_form, field, say

#: Session keys of a sign-in half done: a TOTP challenge to answer, or an enrolment to finish.
CHALLENGE_KEY = "mfa"
ENROLMENT_KEY = "enrol"

WRONG_CREDENTIALS = LocalizedText("Sai tên đăng nhập hoặc mật khẩu.", throttle.WRONG_CREDENTIALS)
MISSING = LocalizedText("Hãy nhập tên đăng nhập và mật khẩu.", "Enter your username and password.")
START_AGAIN = LocalizedText(
    "Phiên đăng nhập đã hết hạn; hãy đăng nhập lại.", "The sign-in has expired; sign in again."
)
WRONG_CODE = LocalizedText(
    "Mã xác thực không đúng, đã hết hạn hoặc đã được dùng.",
    "The code is wrong, expired or already used.",
)


def _login_form(
    status: int = 200, error: str | None = None, next_url: str | None = None
) -> Response:
    source = request.form if request.method == "POST" else request.args
    username = source.get("username") or source.get("login_hint") or ""
    return render_page(
        "auth/login.html",
        status=status,
        error=error,
        username=username[:120],
        next=safe_next(next_url or source.get("next")),
        providers=[(pid, name.get(page_language())) for pid, name in login_providers()],
    )


def _signed_in(user: User, amr: list[str], next_url: str) -> Response:
    remember_login(user, current_tenant().id, amr)
    return redirect(next_url, code=303)


@blp.get("/auth/login")
def login_form() -> Response:
    """The sign-in form; ``next`` (a path here), ``login_hint`` and ``lang`` are optional."""
    return _login_form()


@blp.post("/auth/login")
def login() -> Response:
    """Check the password (counted by the throttle), then finish or ask for a second factor."""
    next_url = checked_form()
    username, password = field("username", 120), field("password")
    if not username.strip() or not password:
        return _login_form(400, say(MISSING))
    db = current_session()
    tenant = current_tenant()
    try:
        user = throttle.sign_in(
            db,
            username,
            password,
            tenant_id=tenant.id,
            address=request.remote_addr,
            policy=throttle.policy(),
            language=page_language(),
        )
    except throttle.LockedOut as exc:
        response = _login_form(429, exc.message)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except Unauthorized:
        return _login_form(401, say(WRONG_CREDENTIALS))
    session.pop(CHALLENGE_KEY, None)
    session.pop(ENROLMENT_KEY, None)
    if mfa.is_enrolled(db, user.id):
        step = mfa.login_step(db, user, tenant.id, runtime_of().settings.access_token_ttl)
        assert step is not None and "mfa_token" in step
        # The challenge's secret rides in the signed cookie, as the API hands it to the app.
        session[CHALLENGE_KEY] = {"token": step["mfa_token"], "next": next_url}
        return _totp_form()
    if mfa.requires_mfa(db, user.id, tenant.id):
        session[ENROLMENT_KEY] = {
            "u": user.id,
            "t": tenant.id,
            "until": int(time.time()) + mfa.ENROLMENT_TOKEN_TTL,
            "next": next_url,
        }
        return _enrolment_form(user)
    return _signed_in(user, ["pwd"], next_url)


# -- second factor ---------------------------------------------------------------------------


def _totp_form(status: int = 200, error: str | None = None) -> Response:
    return render_page("auth/totp.html", status=status, error=error)


@blp.get("/auth/login/totp")
def totp_form() -> Response:
    """The code form again (a reload); back to the password without a challenge."""
    if CHALLENGE_KEY not in session:
        return redirect("/auth/login", code=303)
    return _totp_form()


@blp.post("/auth/login/totp")
def answer_totp() -> Response:
    """A TOTP or recovery code answering this browser's challenge."""
    check_csrf(request.form.get("csrf_token"))
    pending = session.get(CHALLENGE_KEY)
    if not isinstance(pending, dict):
        return _login_form(401, say(START_AGAIN))
    code = field("code", 40).strip()
    if not 6 <= len(code) <= 40:
        return _totp_form(400, say(WRONG_CODE))
    db = current_session()
    try:
        user, _method = mfa.redeem_challenge(db, pending["token"], code, current_tenant().id)
    except Unauthorized as exc:
        if "code" in exc.errors:
            return _totp_form(401, say(WRONG_CODE))
        # Expired, used up or out of tries: the password must be given again.
        session.pop(CHALLENGE_KEY, None)
        return _login_form(401, say(START_AGAIN), pending.get("next"))
    session.pop(CHALLENGE_KEY, None)
    return _signed_in(user, ["pwd", "otp"], safe_next(pending.get("next")))


# -- enrolment of a second factor the user's role requires -------------------------------------


def _pending_enrolment() -> tuple[User, dict[str, Any]] | None:
    pending = session.get(ENROLMENT_KEY)
    if (
        not isinstance(pending, dict)
        or pending.get("t") != current_tenant().id
        or int(pending.get("until", 0)) < time.time()
    ):
        return None
    user = current_session().get(User, pending.get("u"))
    if user is None or not user.active:
        return None
    return user, pending


def _enrolment_form(user: User, status: int = 200, error: str | None = None) -> Response:
    db = current_session()
    found = mfa.credential(db, user.id)
    if found is None or found.confirmed_at is not None:
        tenant = current_tenant()
        secret, uri = mfa.start_enrolment(db, user, tenant.name or tenant.slug)
    else:
        # A reload shows the secret already scanned, not a new one.
        secret = found.secret
        tenant = current_tenant()
        uri = totp.provisioning_uri(secret, user.username, tenant.name or tenant.slug)
    return render_page(
        "auth/enrol.html", status=status, error=error, secret=secret, otpauth_uri=uri
    )


@blp.get("/auth/login/enrol")
def enrolment_form() -> Response:
    """The enrolment page again (a reload)."""
    found = _pending_enrolment()
    if found is None:
        return redirect("/auth/login", code=303)
    return _enrolment_form(found[0])


@blp.post("/auth/login/enrol")
def confirm_enrolment() -> Response:
    """Turn TOTP on with a code from the app, show the recovery codes once, and sign in."""
    check_csrf(request.form.get("csrf_token"))
    found = _pending_enrolment()
    if found is None:
        session.pop(ENROLMENT_KEY, None)
        return _login_form(401, say(START_AGAIN))
    user, pending = found
    code = field("code", 40).strip()
    db = current_session()
    try:
        codes = mfa.confirm_enrolment(db, user, code, current_tenant().id)
    except InvalidInput:
        return _enrolment_form(user, 422, say(WRONG_CODE))
    except Conflict:
        session.pop(ENROLMENT_KEY, None)
        return _login_form(409, say(START_AGAIN), pending.get("next"))
    next_url = safe_next(pending.get("next"))
    remember_login(user, current_tenant().id, ["pwd", "otp"])
    return render_page("auth/recovery_codes.html", codes=codes, next=next_url)


# -- sign-out --------------------------------------------------------------------------------


@blp.post("/auth/logout")
def logout() -> Response:
    """End this browser's sign-in; back to ``next`` (a path here) or the sign-in page."""
    check_csrf(request.form.get("csrf_token"))
    forget_login()
    return redirect(safe_next(request.form.get("next"), "/auth/login"), code=303)
