"""The verification pages: ``/account/verify/phone`` (level 1) and ``/account/verify/identity``
(level 2), for a citizen signed in to this browser. Each form posts back to its page; a success
redirects (so that reloading does not post twice), a refusal shows the page again with the
reason next to the field at fault and the refusal's status."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, redirect, request
from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import InvalidInput, PlatformError

from ... import clock
from ...db import current_session
from ...tenancy.context import current_tenant
from ..browser import check_csrf, current_login, login_url, page_language, render_page
from ..models import User
from . import identity, national_id, phone
from .errors import RetryLater
from .levels import latest_verification

blp = Blueprint("assurance_pages", __name__)
PHONE_PAGE = "/account/verify/phone"
IDENTITY_PAGE = "/account/verify/identity"

BAD_DATE = LocalizedText(
    "Hãy nhập ngày sinh theo dạng năm-tháng-ngày, ví dụ 1990-05-17.",
    "Enter the date of birth as year-month-day, for example 1990-05-17.",
)


@blp.errorhandler(PlatformError)
def _error_page(exc: PlatformError) -> Response:
    # A refusal outside a form (a stale CSRF token): a page, as the other account pages answer.
    return render_page("auth/error.html", status=exc.status, message=exc.message)


def _user() -> User | None:
    login = current_login()
    return None if login is None else current_session().get(User, login.user_id)


def _to_login() -> Response:
    return redirect(login_url(request.full_path.rstrip("?"), language=page_language()), code=303)


def _field(name: str, limit: int) -> str:
    return (request.form.get(name) or "")[:limit]


def _refused(template: str, exc: PlatformError, **context: Any) -> Response:
    """The page again with the refusal: the message on top, each field's message at it."""
    errors = {k: " ".join(v) for k, v in exc.errors.items() if k != "_request"}
    response = render_page(
        template, status=exc.status, **{**context, "error": exc.message, "errors": errors}
    )
    if isinstance(exc, RetryLater):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


# -- phone -------------------------------------------------------------------------------------


def _phone_context(user: User) -> dict[str, Any]:
    waiting = phone.pending(current_session(), user.id)
    live = waiting is not None and waiting.expires_at > clock.now()
    return {
        "user": user,
        "level": user.assurance_level or 0,
        "verified_phone": user.phone if user.phone_verified_at is not None else None,
        "pending": waiting if live else None,
        "errors": {},
        "error": None,
    }


@blp.get(PHONE_PAGE)
def phone_page() -> Response:
    """The phone verification page: ask for a code, then type it."""
    user = _user()
    if user is None:
        return _to_login()
    context = _phone_context(user)
    return render_page(
        "assurance/phone.html",
        **context,
        typed_phone=user.phone if user.phone_verified_at is None and user.phone else "",
        sent=request.args.get("sent") == "1",
        verified=request.args.get("verified") == "1",
    )


@blp.post(PHONE_PAGE)
def send_code() -> Response:
    """Send a code to the number typed."""
    check_csrf(request.form.get("csrf_token"))
    user = _user()
    if user is None:
        return _to_login()
    typed = _field("phone", 30)
    try:
        phone.request_code(current_session(), user, typed, page_language())
    except PlatformError as exc:
        return _refused(
            "assurance/phone.html", exc, **{**_phone_context(user), "typed_phone": typed}
        )
    return redirect(f"{PHONE_PAGE}?sent=1", code=303)


@blp.post(f"{PHONE_PAGE}/confirm")
def confirm_code() -> Response:
    """Check the code typed; the number is verified when it is right."""
    check_csrf(request.form.get("csrf_token"))
    user = _user()
    if user is None:
        return _to_login()
    session = current_session()
    try:
        phone.confirm_code(session, user, _field("code", 20), current_tenant().id, page_language())
    except PlatformError as exc:
        # A wrong code was counted and committed; show the page as it now stands.
        return _refused("assurance/phone.html", exc, **_phone_context(user), typed_phone="")
    return redirect(f"{PHONE_PAGE}?verified=1", code=303)


# -- identity ----------------------------------------------------------------------------------


def _identity_context(user: User) -> dict[str, Any]:
    record = latest_verification(current_session(), user.id)
    level = user.assurance_level or 0
    return {
        "user": user,
        "level": level,
        "verified": None
        if record is None or level < 2
        else {"national_id": national_id.masked(record.national_id), "at": record.verified_at},
        "values": {"national_id": "", "full_name": user.full_name or "", "birthdate": ""},
        "errors": {},
        "error": None,
    }


@blp.get(IDENTITY_PAGE)
def identity_page() -> Response:
    """The identity verification page: CCCD number, full name and date of birth."""
    user = _user()
    if user is None:
        return _to_login()
    return render_page(
        "assurance/identity.html",
        **_identity_context(user),
        done=request.args.get("verified") == "1",
    )


@blp.post(IDENTITY_PAGE)
def verify_identity() -> Response:
    """Check the identity typed against the national ID record."""
    check_csrf(request.form.get("csrf_token"))
    user = _user()
    if user is None:
        return _to_login()
    values = {
        "national_id": _field("national_id", 30),
        "full_name": _field("full_name", 300),
        "birthdate": _field("birthdate", 20),
    }
    context = {**_identity_context(user), "values": values}
    language = page_language()
    try:
        try:
            born = date.fromisoformat(values["birthdate"].strip())
        except ValueError:
            message = BAD_DATE.get(language)
            raise InvalidInput(message, {"birthdate": [message]}) from None
        identity.verify(
            current_session(),
            user,
            raw_national_id=values["national_id"],
            full_name=values["full_name"],
            birthdate=born,
            tenant_id=current_tenant().id,
            language=language,
        )
    except PlatformError as exc:
        return _refused("assurance/identity.html", exc, **context)
    return redirect(f"{IDENTITY_PAGE}?verified=1", code=303)
