"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) at the end_session_endpoint."""

from __future__ import annotations

from authlib.common.urls import add_params_to_uri
from flask import Response, request
from sieuapp.sdk import LocalizedText
from sqlalchemy.orm import Session

from ..browser import check_csrf, current_login, forget_login, render_page
from . import keys
from .clients import find_client, registered
from .errors import error_page, redirect_to
from .metadata import LOGOUT
from .models import OAuthClient

PARAMS = ("id_token_hint", "post_logout_redirect_uri", "state", "client_id", "ui_locales")
CLIENT_MISMATCH = LocalizedText(
    "client_id không khớp với id_token_hint.", "client_id does not match id_token_hint."
)
UNREGISTERED = LocalizedText(
    "Địa chỉ quay về sau khi đăng xuất không được đăng ký cho ứng dụng này.",
    "The address to return to after signing out is not registered for this application.",
)


def end_session(session: Session, tenant_id: int, issuer: str) -> Response:
    """Sign the browser out when the request shows who asks (a valid ``id_token_hint`` for the
    signed-in user) or the user confirms; then return to a registered address, or a page."""
    values = request.form if request.method == "POST" else request.args
    params = {k: values[k] for k in PARAMS if values.get(k)}
    hint = _hint(session, params.get("id_token_hint"), issuer)
    client_id = params.get("client_id")
    if hint is not None:
        audience = hint.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if client_id and client_id not in audiences:
            return error_page(CLIENT_MISMATCH)
        client_id = client_id or hint.get("azp") or (audiences[0] if audiences else None)
    client = find_client(session, client_id) if client_id else None
    if client is not None and client.tenant_id != tenant_id:
        client = None
    redirect_uri = params.get("post_logout_redirect_uri")
    if redirect_uri and (client is None or redirect_uri not in _registered(client, issuer)):
        return error_page(UNREGISTERED)
    login = current_login()
    confirmed = request.method == "POST" and request.form.get("confirm") == "yes"
    if confirmed:
        check_csrf(request.form.get("csrf_token"))
    # Without a hint naming the signed-in user, anyone could sign the user out with a link;
    # ask first (RP-Initiated Logout 2: the OP SHOULD ask the End-User).
    hint_matches = hint is not None and login is not None and hint.get("sub") == login.user_id
    if login is not None and not confirmed and not hint_matches:
        return render_page(
            "oidc/logout_confirm.html",
            form_action=LOGOUT,
            hidden=params,
            client_name=client.name if client is not None else None,
        )
    if login is not None:
        forget_login()
    if redirect_uri:
        state = params.get("state")
        return redirect_to(
            add_params_to_uri(redirect_uri, [("state", state)]) if state else redirect_uri
        )
    return render_page(
        "oidc/logged_out.html", client_name=client.name if client is not None else None
    )


def _registered(client: OAuthClient, issuer: str) -> list[str]:
    return registered(client, client.post_logout_redirect_uris, issuer)


def _hint(session: Session, token: str | None, issuer: str) -> dict | None:
    """The claims of an id_token we signed for this issuer; expired ones count (the RP may
    hold an old one), anything else is ignored."""
    if not token:
        return None
    claims = keys.verify(session, token)
    if claims is None or claims.get("iss") != issuer:
        return None
    return claims
