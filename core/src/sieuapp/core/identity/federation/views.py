"""Pages of federated sign-in: start, callback, the choice for an unlinked account, unlink."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, redirect, request, url_for
from flask.blueprints import BlueprintSetupState
from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import InvalidInput, PlatformError
from sqlalchemy import func, select

from ..._runtime import runtime_of
from ...db import current_session, utcnow
from ...tenancy.context import current_tenant
from ..accounts import create_user
from ..browser import (
    DEFAULT_NEXT,
    check_csrf,
    current_login,
    login_url,
    page_language,
    remember_login,
    render_page,
    safe_next,
)
from ..models import User
from . import flow as rp
from . import links
from .discovery import ProviderUnavailable
from .providers import Provider, find_provider, parse_providers

log = logging.getLogger(__name__)
blp = Blueprint("federation", __name__, url_prefix="/auth/federation")
LINK_PATH = "/auth/federation/link"
#: The method reference of a sign-in at an external provider (RFC 8176 has none for it).
AMR = ("fed",)


@blp.record_once
def _check_settings(state: BlueprintSetupState) -> None:
    # A wrong provider list stops the app at start, not at a citizen's first click.
    parse_providers(runtime_of(state.app).settings.federation_providers)


USERNAME_MISSING = LocalizedText("Hãy chọn tên đăng nhập.", "Choose a username.")
USERNAME_TAKEN = LocalizedText("Tên đăng nhập này đã có người dùng.", "This username is taken.")
NAME_MISSING = LocalizedText("Hãy nhập họ và tên.", "Enter your full name.")

MESSAGES: dict[str, tuple[int, LocalizedText]] = {
    "unknown_provider": (404, LocalizedText(
        "Không có nhà cung cấp định danh này.", "There is no such identity provider.")),
    "unavailable": (502, LocalizedText(
        "Nhà cung cấp định danh hiện không phản hồi. Hãy thử lại sau.",
        "The identity provider is not answering right now. Try again later.")),
    "expired": (400, LocalizedText(
        "Phiên đăng nhập đã hết hạn hoặc không còn hợp lệ. Hãy bắt đầu lại.",
        "The sign-in has expired or is no longer valid. Start again.")),
    "bad_state": (400, LocalizedText(
        "Phản hồi đăng nhập không khớp với yêu cầu của bạn nên đã bị từ chối. Hãy bắt đầu lại.",
        "The sign-in response does not match your request, so it was refused. Start again.")),
    "bad_response": (400, LocalizedText(
        "Phản hồi của nhà cung cấp định danh không hợp lệ nên đã bị từ chối.",
        "The identity provider's response is invalid, so it was refused.")),
    "bad_id_token": (400, LocalizedText(
        "Không xác minh được thông tin định danh từ nhà cung cấp nên đăng nhập bị từ chối.",
        "The identity provider's token could not be verified, so the sign-in was refused.")),
    "token_refused": (400, LocalizedText(
        "Nhà cung cấp định danh không chấp nhận hoàn tất đăng nhập. Hãy bắt đầu lại.",
        "The identity provider refused to complete the sign-in. Start again.")),
    "denied": (400, LocalizedText(
        "Bạn đã không cho phép chia sẻ thông tin, nên chưa đăng nhập. Không có gì thay đổi.",
        "You did not allow sharing your information, so you are not signed in. "
        "Nothing was changed.")),
    "provider_error": (400, LocalizedText(
        "Nhà cung cấp định danh báo lỗi. Không có gì thay đổi.",
        "The identity provider reported an error. Nothing was changed.")),
    "conflict": (409, LocalizedText(
        "Tài khoản bên ngoài này đã được liên kết với một tài khoản khác.",
        "This external account is already linked to another account.")),
    "inactive": (403, LocalizedText(
        "Tài khoản được liên kết đã bị khóa.", "The linked account is disabled.")),
    "last_way": (409, LocalizedText(
        "Không thể gỡ liên kết này: tài khoản sẽ không còn cách nào để đăng nhập. "
        "Hãy đặt mật khẩu hoặc liên kết nhà cung cấp khác trước.",
        "This link cannot be removed: the account would have no way left to sign in. "
        "Set a password or link another provider first.")),
    "no_link": (404, LocalizedText(
        "Không tìm thấy liên kết này.", "There is no such link.")),
}  # fmt: skip


def _error(kind: str, provider: Provider | None = None, **extra: Any) -> Response:
    status, message = MESSAGES[kind]
    lang = page_language()
    return render_page(
        "federation/error.html",
        status=status,
        kind=kind,
        message=message.get(lang),
        provider_name=provider.name.get(lang) if provider else None,
        retry_url=url_for("federation.start", provider_id=provider.id) if provider else None,
        **extra,
    )


@blp.errorhandler(PlatformError)
def _platform_error(exc: PlatformError) -> Response:
    # A browser gets a page it can act on (a stale form's CSRF token), not the API's JSON.
    return render_page("federation/error.html", status=exc.status, kind="form", message=exc.message)


def _redirect(url: str) -> Response:
    return redirect(url, code=303)


@blp.get("/<provider_id>")
def start(provider_id: str) -> Response:
    """Send the browser to the provider, remembering ``next`` for when it comes back."""
    provider = find_provider(provider_id)
    if provider is None:
        return _error("unknown_provider")
    redirect_uri = url_for("federation.callback", provider_id=provider.id, _external=True)
    next_url = safe_next(request.args.get("next"))
    try:
        url, flow = rp.start(provider, current_tenant().id, redirect_uri, next_url)
    except ProviderUnavailable as exc:
        log.warning("federation %s unavailable: %s", provider.id, exc.reason)
        return _error("unavailable", provider)
    response = _redirect(url)
    rp.save_flow(response, flow)
    return response


@blp.get("/<provider_id>/callback")
def callback(provider_id: str) -> Response:
    """The provider's answer: sign in, link, or offer the choice; nothing changes on errors."""
    provider = find_provider(provider_id)
    if provider is None:
        return _error("unknown_provider")
    flow = rp.load_flow()
    tenant_id = current_tenant().id
    if flow is not None and flow.tenant_id != tenant_id:
        flow = None
    try:
        code = rp.check_response(provider, flow, request.args.to_dict())
        assert flow is not None  # check_response refused a missing flow
        signin = rp.finish(provider, flow, code)
    except ProviderUnavailable as exc:
        log.warning("federation %s unavailable: %s", provider.id, exc.reason)
        response = _error("unavailable", provider)
    except rp.FlowError as exc:
        log.warning("federation %s sign-in refused: %s", provider.id, exc)
        response = _error(exc.kind, provider)
    else:
        response = _signed_in(provider, signin, flow.next)
    # The flow is spent whatever happened: a response cannot be replayed against it.
    rp.forget(response, rp.FLOW_COOKIE)
    return response


def _verified_phone(claims: dict[str, Any], level: int) -> str | None:
    phone = claims.get("phone_number")
    if level >= 1 and claims.get("phone_number_verified") is True and isinstance(phone, str):
        return phone
    return None


def _signed_in(provider: Provider, signin: rp.SignIn, next_url: str) -> Response:
    session = current_session()
    tenant_id = current_tenant().id
    login = current_login()
    level = links.vouched_level(provider, signin.id_token_claims)
    claims = {
        name: signin.claim(name)
        for name in (
            "name", "preferred_username", "phone_number", "phone_number_verified", "email",
            "email_verified",
        )
        if signin.claim(name) is not None
    }  # fmt: skip
    # Only a provider trusted for level 2 may hand over the record behind it.
    identity = links.identity_record(signin.claim("verified_claims")) if level >= 2 else None
    row = links.find_link(session, signin.issuer, signin.subject)
    if row is None and login is None:
        pending = rp.Pending(
            provider=provider.id,
            tenant_id=tenant_id,
            issuer=signin.issuer,
            subject=signin.subject,
            next=next_url,
            claims=claims,
            level=level,
            identity=identity,
        )
        response = _redirect(LINK_PATH)
        rp.save_pending(response, pending)
        return response
    if row is not None and login is not None and row.user_id != login.user_id:
        return _error("conflict", provider)
    user_id = row.user_id if row is not None else login.user_id if login is not None else ""
    user = session.get(User, user_id)
    if user is None or not user.active:
        return _error("inactive", provider)
    if row is None:
        try:
            links.link(session, user, provider, signin.subject, tenant_id=tenant_id)
        except links.LinkConflict:
            return _error("conflict", provider)
    else:
        row.last_login_at = utcnow()
    links.raise_assurance(
        session,
        user,
        provider,
        level,
        tenant_id=tenant_id,
        phone=_verified_phone(claims, level),
        identity=identity,
    )
    if login is None or row is not None:
        # A sign-in at the provider is a fresh authentication: the login is (re)made with it.
        remember_login(user, tenant_id, AMR)
    return _redirect(next_url)


def _pending_or_error() -> tuple[rp.Pending, Provider] | Response:
    pending = rp.load_pending()
    if pending is None or pending.tenant_id != current_tenant().id:
        return _error("expired")
    provider = find_provider(pending.provider)
    if provider is None or provider.issuer != pending.issuer:
        return _error("expired")
    return pending, provider


def _choice_page(
    pending: rp.Pending, provider: Provider, status: int = 200, errors: dict | None = None
) -> Response:
    lang = page_language()
    form = request.form if request.method == "POST" else {}
    return render_page(
        "federation/choose.html",
        status=status,
        provider_name=provider.name.get(lang),
        claims=pending.claims,
        login_url=login_url(LINK_PATH, language=lang),
        username=(form.get("username") or pending.claims.get("preferred_username") or "")[:120],
        full_name=(form.get("full_name") or pending.claims.get("name") or "")[:200],
        errors=errors or {},
    )


def _finish_pending(response: Response) -> Response:
    rp.forget(response, rp.PENDING_COOKIE)
    return response


@blp.get("/link")
def choose() -> Response:
    """An unlinked external account: link it to the signed-in user, or offer the choice."""
    found = _pending_or_error()
    if isinstance(found, Response):
        return found
    pending, provider = found
    login = current_login()
    if login is None:
        return _choice_page(pending, provider)
    session = current_session()
    user = session.get(User, login.user_id)
    assert user is not None  # current_login checked it
    try:
        links.link(session, user, provider, pending.subject, tenant_id=login.tenant_id)
    except links.LinkConflict:
        return _finish_pending(_error("conflict", provider))
    _raise_from_pending(user, provider, pending)
    return _finish_pending(_redirect(pending.next))


def _raise_from_pending(user: User, provider: Provider, pending: rp.Pending) -> None:
    links.raise_assurance(
        current_session(),
        user,
        provider,
        pending.level,
        tenant_id=pending.tenant_id,
        phone=_verified_phone(pending.claims, pending.level),
        identity=pending.identity,
    )


@blp.post("/register")
def register() -> Response:
    """Make a new account from the provider's claims, linked to the external account."""
    check_csrf(request.form.get("csrf_token"))
    found = _pending_or_error()
    if isinstance(found, Response):
        return found
    pending, provider = found
    if current_login() is not None:
        return _redirect(LINK_PATH)
    session = current_session()
    if links.find_link(session, pending.issuer, pending.subject) is not None:
        return _finish_pending(_error("conflict", provider))
    claims = pending.claims
    email = claims.get("email") if claims.get("email_verified") is True else None
    phone = claims.get("phone_number")
    full_name = (request.form.get("full_name") or claims.get("name") or "").strip()[:200]
    problems = _account_problems(session, request.form.get("username", ""), full_name)
    if problems:
        return _choice_page(pending, provider, status=400, errors=problems)
    try:
        # No password: the account signs in through the provider only, until one is set.
        user = create_user(
            session,
            request.form.get("username", ""),
            None,
            full_name,
            email=email if isinstance(email, str) and len(email) <= 254 else None,
            phone=phone if isinstance(phone, str) and len(phone) <= 20 else None,
        )
    except InvalidInput as exc:
        return _choice_page(pending, provider, status=400, errors=exc.errors)
    try:
        links.link(session, user, provider, pending.subject, tenant_id=pending.tenant_id)
    except links.LinkConflict:
        return _finish_pending(_error("conflict", provider))
    _raise_from_pending(user, provider, pending)
    remember_login(user, pending.tenant_id, AMR)
    return _finish_pending(_redirect(pending.next))


def _account_problems(session: Any, username: str, full_name: str) -> dict[str, list[str]]:
    lang = page_language()
    problems: dict[str, list[str]] = {}
    name = username.strip().lower()
    if not name:
        problems["username"] = [USERNAME_MISSING.get(lang)]
    elif session.scalar(select(func.count()).where(User.username == name)):
        problems["username"] = [USERNAME_TAKEN.get(lang)]
    if not full_name:
        problems["full_name"] = [NAME_MISSING.get(lang)]
    return problems


@blp.post("/unlink")
def unlink() -> Response:
    """Remove one of the signed-in user's links (POST + CSRF)."""
    check_csrf(request.form.get("csrf_token"))
    login = current_login()
    if login is None:
        return _redirect(login_url(DEFAULT_NEXT, language=page_language()))
    try:
        link_id = int(request.form.get("link_id", ""))
    except ValueError:
        return _error("no_link")
    session = current_session()
    user = session.get(User, login.user_id)
    assert user is not None
    try:
        links.unlink(session, user, link_id, tenant_id=login.tenant_id)
    except LookupError:
        return _error("no_link")
    except links.LastWayToSignIn:
        return _error("last_way")
    return _redirect(DEFAULT_NEXT)
