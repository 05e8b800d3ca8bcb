"""The account page: who you are, how sure we are of it, your second factor, what each service
may read of you (with a revoke button each), and your linked sign-in providers."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, redirect, request
from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import NotFound

from ...db import current_session
from ...tenancy.context import current_tenant
from .. import consent, mfa
from ..browser import BrowserLogin, current_login, login_url, page_language, render_page
from ..federation.links import linked_providers
from ..models import User
from . import blp
from .common import checked_form, say

#: What each assurance level means, for the person it describes.
LEVELS: tuple[LocalizedText, ...] = (
    LocalizedText(
        "Mức 0: tài khoản tự đăng ký, chưa xác minh.",
        "Level 0: a self-registered account, not verified.",
    ),
    LocalizedText(
        "Mức 1: đã xác minh số điện thoại.",
        "Level 1: your phone number is verified.",
    ),
    LocalizedText(
        "Mức 2: đã xác minh danh tính (căn cước công dân).",
        "Level 2: your identity is verified (citizen ID card).",
    ),
)
NO_CONSENT = LocalizedText(
    "Không có quyền truy cập nào để thu hồi.", "There is no access to revoke."
)


def _signed_in() -> tuple[BrowserLogin, User] | None:
    login = current_login()
    if login is None:
        return None
    return login, current_session().get(User, login.user_id)


@blp.get("/account")
def account() -> Response:
    """The signed-in user's account; the sign-in page first for anyone else."""
    found = _signed_in()
    if found is None:
        return redirect(login_url(request.full_path.rstrip("?")), code=303)
    login, user = found
    db = current_session()
    tenant_id = current_tenant().id
    level = min(max(user.assurance_level or 0, 0), len(LEVELS) - 1)
    return render_page(
        "account/index.html",
        user=user,
        level=level,
        level_text=say(LEVELS[level]),
        levels=[say(text) for text in LEVELS],
        mfa_on=mfa.is_enrolled(db, user.id),
        mfa_required=mfa.requires_mfa(db, user.id, tenant_id),
        recovery_codes_left=mfa.recovery_codes_left(db, user.id),
        consents=consent.list_consents(db, user.id, tenant_id, page_language()),
        providers=[
            {**item, "name": item["name"].get(page_language())}
            for item in linked_providers(db, user.id)
        ],
        revoked=request.args.get("revoked", "")[:80],
    )


@blp.post("/account/consents/<plugin_id>/revoke")
def revoke_consent(plugin_id: str) -> Response:
    """Withdraw what a service may read, and every token it holds for this user here."""
    checked_form()
    found = _signed_in()
    if found is None:
        return redirect(login_url("/account"), code=303)
    login, user = found
    if not consent.revoke(current_session(), user.id, login.tenant_id, plugin_id, actor_id=user.id):
        raise NotFound(say(NO_CONSENT), {"plugin_id": [say(NO_CONSENT)]})
    return redirect(f"/account?{urlencode({'revoked': plugin_id})}", code=303)
