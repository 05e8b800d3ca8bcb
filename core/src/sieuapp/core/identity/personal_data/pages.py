"""The account's data page (``/account/data``): download everything held about you, or erase
the account, with the password typed again or a fresh sign-in."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, redirect, request
from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import PlatformError

from ..._runtime import runtime_of
from ...db import current_session, utcnow
from ...tenancy.context import current_tenant
from ..browser import (
    BrowserLogin,
    check_csrf,
    current_login,
    forget_login,
    login_url,
    page_language,
    render_page,
)
from ..models import User
from . import requests

blp = Blueprint("account_data", __name__)
PATH = "/account/data"


@blp.errorhandler(PlatformError)
def _error_page(exc: PlatformError) -> Response:
    # A browser gets a page it can act on, not the API's JSON; the status stays the same.
    return render_page("auth/error.html", status=exc.status, message=exc.message)


def signed_in() -> tuple[BrowserLogin, User] | None:
    """The browser's login to this tenant and its user, or None."""
    login = current_login()
    if login is None:
        return None
    user = current_session().get(User, login.user_id)
    return (login, user) if user is not None else None


def is_fresh(login: BrowserLogin) -> bool:
    """Signed in recently enough to erase without typing the password again."""
    window = runtime_of().settings.erasure_fresh_login
    return (utcnow() - login.auth_time).total_seconds() <= window


def _page(user: User, login: BrowserLogin, status: int = 200, **context: Any) -> Response:
    return render_page(
        "account/data.html",
        status=status,
        user=user,
        fresh=is_fresh(login),
        needs_password=user.password_hash is not None and not is_fresh(login),
        **context,
    )


@blp.get(PATH)
def data_page() -> Response:
    found = signed_in()
    if found is None:
        return redirect(login_url(PATH), code=303)
    login, user = found
    return _page(user, login)


@blp.get(f"{PATH}/export")
def download() -> Response:
    """The same JSON as ``GET /api/v1/me/data``, as a file to save."""
    found = signed_in()
    if found is None:
        return redirect(login_url(PATH), code=303)
    _, user = found
    answer = requests.exported(current_session(), user, current_tenant().id, page_language())
    response = jsonify(answer)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Disposition"] = f'attachment; filename="sieuapp-data-{user.id}.json"'
    return response


@blp.post(f"{PATH}/erase")
def erase() -> Response:
    check_csrf(request.form.get("csrf_token"))
    found = signed_in()
    if found is None:
        return redirect(login_url(PATH), code=303)
    login, user = found
    language = page_language()
    session = current_session()
    password = request.form.get("password") or ""
    try:
        requests.check_confirmation(user, request.form.get("confirm"), language)
        # A fresh sign-in stands in for the password (accounts without one have no other way).
        if password or not is_fresh(login):
            requests.check_password(session, user, password, login.tenant_id, language)
    except PlatformError as exc:
        field = next(iter(exc.errors), None)
        return _page(user, login, status=exc.status, error=exc.message, error_field=field)
    answer = requests.erased(session, user, login.tenant_id, language)
    forget_login()
    return render_page("account/data.html", result=_readable(answer, language), user=None)


def _readable(answer: dict[str, Any], language: str) -> dict[str, Any]:
    """The erasure's answer with every text in the page's language."""
    pick = LocalizedText.get

    def text(value: dict[str, str]) -> str:
        return pick(LocalizedText(value["vi"], value["en"]), language)

    return {
        "message": answer["message"],
        "erased": [text(item["what"]) for item in answer["erased"]],
        "kept": [
            {"what": text(item["what"]), "reason": text(item["reason"])} for item in answer["kept"]
        ],
        "pending": [item["source"] for item in answer["pending"]],
    }
