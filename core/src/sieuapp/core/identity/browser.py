"""The browser sign-in session: who is signed in to this tenant's pages, and how.

It lives in Flask's signed session cookie (``web/sessions.py``: HttpOnly, SameSite=Lax, Secure
on https), so every worker reads it without a shared store. The cookie is signed, not
encrypted: it holds ids and the factors used, never a secret of the user's. A login is bound to
the tenant it was made in, since one browser may visit two provinces' hosts.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Response, has_request_context, render_template, request, session
from sieuapp.sdk import LANGUAGES, LocalizedText
from sieuapp.sdk.errors import Forbidden

from .._runtime import runtime_of
from ..audit.log import record as audit
from ..db import current_session, utcnow
from ..tenancy.context import current_tenant
from ..web.i18n import request_language
from .assurance.levels import acr_for
from .models import User

#: Session keys; short, since the whole session travels in every request's cookie.
LOGIN_KEY = "login"
CSRF_KEY = "csrf"
#: The cookie that remembers a language picked with ``?lang=``.
LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
#: Where a missing or unsafe ``next`` leads.
DEFAULT_NEXT = "/account"
LOGIN_PATH = "/auth/login"

BAD_CSRF = LocalizedText(
    "Biểu mẫu đã hết hạn hoặc không hợp lệ. Hãy tải lại trang và thử lại.",
    "The form has expired or is invalid. Reload the page and try again.",
)


@dataclass(frozen=True)
class BrowserLogin:
    """A completed browser sign-in: whom, where, when and with which factors."""

    user_id: str
    tenant_id: int
    auth_time: datetime
    #: ``urn:sieuapp:loa:<level>`` at the time of login (``assurance.levels``).
    acr: str
    #: RFC 8176 authentication method references, e.g. ``("pwd", "otp")``.
    amr: tuple[str, ...]
    #: Random id of this login, the OIDC session id (``sid``) of the tokens issued in it.
    sid: str


def _stored(login: BrowserLogin) -> dict[str, Any]:
    return {
        "u": login.user_id,
        "t": login.tenant_id,
        "at": int(login.auth_time.timestamp()),
        "acr": login.acr,
        "amr": list(login.amr),
        "sid": login.sid,
    }


def _parsed(raw: Any) -> BrowserLogin | None:
    if not isinstance(raw, Mapping):
        return None
    try:
        return BrowserLogin(
            user_id=str(raw["u"]),
            tenant_id=int(raw["t"]),
            auth_time=datetime.fromtimestamp(int(raw["at"]), UTC),
            acr=str(raw["acr"]),
            amr=tuple(str(m) for m in raw["amr"]),
            sid=str(raw["sid"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def current_login() -> BrowserLogin | None:
    """The browser's login to this tenant; None if absent, expired, of another tenant, or of a
    user who is no longer active."""
    login = _parsed(session.get(LOGIN_KEY))
    if login is None or login.tenant_id != current_tenant().id:
        return None
    lifetime = runtime_of().settings.browser_login_ttl
    if (utcnow() - login.auth_time).total_seconds() > lifetime:
        return None
    user = current_session().get(User, login.user_id)
    if user is None or not user.active:
        return None
    return login


def remember_login(user: User, tenant_id: int, amr: Sequence[str]) -> BrowserLogin:
    """Sign ``user`` in to this browser for ``tenant_id``, audited as ``auth.login``."""
    login = BrowserLogin(
        user_id=user.id,
        tenant_id=tenant_id,
        auth_time=utcnow().replace(microsecond=0),
        acr=acr_for(user),
        amr=tuple(amr),
        sid=secrets.token_urlsafe(24),
    )
    # A fresh session (new CSRF token too), so that nothing planted before the login survives.
    session.clear()
    session[LOGIN_KEY] = _stored(login)
    session[CSRF_KEY] = secrets.token_urlsafe(32)
    audit(
        current_session(),
        "auth.login",
        tenant_id=tenant_id,
        actor_id=user.id,
        actor_label=user.username,
        after={"how": "browser", "amr": list(login.amr), "acr": login.acr},
    )
    return login


def forget_login() -> BrowserLogin | None:
    """Sign the browser out, audited as ``auth.logout``; returns the login it had (any tenant)."""
    login = _parsed(session.get(LOGIN_KEY))
    session.clear()
    if login is not None:
        audit(
            current_session(),
            "auth.logout",
            tenant_id=login.tenant_id,
            actor_id=login.user_id,
            after={"how": "browser", "sid": login.sid},
        )
    return login


def safe_next(value: str | None, default: str = DEFAULT_NEXT) -> str:
    """``value`` when it is a path on this site, else ``default`` (no open redirects)."""
    if not value or len(value) > 8000:
        return default
    # Browsers read a backslash as a slash and drop tabs and newlines, so "/\\evil" and
    # "/\t/evil" would leave the site.
    if "\\" in value or any(ord(c) < 0x21 or ord(c) == 0x7F for c in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return default
    return value


def login_url(next_url: str, *, login_hint: str | None = None, language: str | None = None) -> str:
    """The login page that comes back to ``next_url`` (a path on this site) once signed in."""
    params = {"next": safe_next(next_url)}
    if login_hint:
        params["login_hint"] = login_hint
    if language in LANGUAGES:
        params["lang"] = language
    return f"{LOGIN_PATH}?{urlencode(params)}"


def csrf_token() -> str:
    """This session's token for forms, made on first use."""
    token = session.get(CSRF_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_KEY] = token
    return token


def check_csrf(value: str | None) -> None:
    """Refuse a form whose token is not this session's, with ``Forbidden``."""
    expected = session.get(CSRF_KEY)
    if (
        not isinstance(expected, str)
        or not expected
        or not isinstance(value, str)
        or not hmac.compare_digest(expected.encode(), value.encode())
    ):
        message = BAD_CSRF.get(page_language())
        raise Forbidden(message, {"csrf_token": [message]})


def _chosen_language() -> str | None:
    """A language the request names explicitly: ``lang`` first, then OIDC ``ui_locales``."""
    lang = request.values.get("lang", "").strip().lower()
    if lang in LANGUAGES:
        return lang
    for tag in request.values.get("ui_locales", "").split():
        base = tag.split("-", 1)[0].lower()
        if base in LANGUAGES:
            return base
    return None


def page_language() -> str:
    """The page's language: ``?lang=``, then ``ui_locales``, the language cookie,
    Accept-Language, and Vietnamese when none of them says."""
    if not has_request_context():
        return "vi"
    chosen = _chosen_language()
    if chosen:
        return chosen
    cookie = request.cookies.get(LANGUAGE_COOKIE, "")
    if cookie in LANGUAGES:
        return cookie
    return request_language()


def _language_url(language: str) -> str:
    """This page in ``language``: its query with ``lang`` set (a form's ``next`` kept)."""
    params = {k: v for k, v in request.args.items() if k != "lang"}
    if request.method == "POST" and request.form.get("next"):
        params["next"] = safe_next(request.form["next"])
    params["lang"] = language
    return f"{request.path}?{urlencode(params)}"


def render_page(template: str, status: int = 200, **context: Any) -> Response:
    """A server-rendered page in the base layout, with ``lang``, ``t(vi, en)``, ``csrf_token``
    and ``login`` in its context; never cached, never framed."""
    lang = page_language()

    def t(vi: str, en: str) -> str:
        return en if lang == "en" else vi

    if "login" not in context:
        context["login"] = current_login()
    html = render_template(
        template,
        lang=lang,
        t=t,
        csrf_token=csrf_token(),
        language_url=_language_url,
        **context,
    )
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    # No scripts at all; no form-action either, since Chrome applies it to the redirect a
    # consent form leads to (the relying party's callback).
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    if request.args.get("lang") in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            request.args["lang"],
            max_age=LANGUAGE_COOKIE_AGE,
            secure=request.is_secure,
            httponly=True,
            samesite="Lax",
        )
    return response
