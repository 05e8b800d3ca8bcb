"""The authorization endpoint (OpenID Connect Core 3.1.2): the request, validated in the order
RFC 6749 4.1.2.1 asks (client and redirect URI first, answered by a page; everything after
answered by redirect), then login, consent and the code."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749.errors import (
    AccessDeniedError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    UnauthorizedClientError,
    UnsupportedResponseTypeError,
)
from authlib.oidc.core.errors import (
    ConsentRequiredError,
    LoginRequiredError,
    RequestNotSupportedError,
    RequestURINotSupportedError,
)
from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from sieuapp.sdk import LocalizedText
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from ... import clock
from ..._runtime import runtime_of
from ...db import utcnow
from ..assurance.levels import ACR_VALUES, level_of
from ..browser import (
    BrowserLogin,
    check_csrf,
    current_login,
    login_url,
    page_language,
    render_page,
)
from ..consent import grant, granted_scopes, scope_purposes
from ..mfa import is_enrolled, requires_mfa
from ..models import User
from .clients import FIRST_PARTY, consent_key, find_client, registered
from .errors import PageError, echoed, redirect_to
from .metadata import AUTHORIZE, issuer
from .models import OAuthClient
from .tokens import Authentication, store_code, user_of

#: Carries "the user was sent to log in at this time" through the login page, so that
#: prompt=login and max_age are satisfied by that login instead of asking again forever.
LOGIN_MARKER = "sieuapp_login"
#: Form fields of the consent page that are not authorization parameters.
FORM_FIELDS = frozenset({"csrf_token", "decision"})
PROMPTS = frozenset({"none", "login", "consent", "select_account"})
S256_CHALLENGE_LENGTH = 43
#: RFC 8176 methods that are a second factor (the browser login records ``otp`` for TOTP and
#: recovery codes).
SECOND_FACTORS = frozenset({"otp", "mfa", "hwk", "swk", "sms"})
BASE64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

UNKNOWN_CLIENT = LocalizedText(
    "Ứng dụng yêu cầu đăng nhập không được đăng ký ở đây.",
    "The application asking you to sign in is not registered here.",
)
BAD_REDIRECT = LocalizedText(
    "Địa chỉ quay về (redirect_uri) không được đăng ký cho ứng dụng này.",
    "The return address (redirect_uri) is not registered for this application.",
)


class UnmetAuthenticationRequirementsError(OAuth2Error):
    """The essential ``acr`` asked for is above the user's assurance level (OpenID Connect
    Core Unmet Authentication Requirements 1.0)."""

    error = "unmet_authentication_requirements"


@dataclass(frozen=True)
class AuthorizationRequest:
    client: OAuthClient
    redirect_uri: str
    state: str | None
    scopes: tuple[str, ...]
    nonce: str | None
    code_challenge: str
    prompt: frozenset[str]
    max_age: int | None
    login_hint: str | None
    ui_locales: str | None
    claims: dict[str, Any] | None
    #: The parameters as received, to send through the login and consent pages.
    params: dict[str, str] = field(default_factory=dict)

    @property
    def scope(self) -> str:
        return " ".join(self.scopes)

    def essential_acr(self) -> tuple[str, ...] | None:
        """The acr values the ``claims`` parameter marks essential for the id_token."""
        acr = ((self.claims or {}).get("id_token") or {}).get("acr")
        if not isinstance(acr, Mapping) or not acr.get("essential"):
            return None
        values = acr.get("values")
        if not isinstance(values, list):
            values = [acr["value"]] if isinstance(acr.get("value"), str) else []
        return tuple(str(v) for v in values)


def parse(session: Session, tenant_id: int, values: MultiDict) -> AuthorizationRequest:
    """The validated request; ``PageError`` when the client or redirect URI cannot be trusted,
    an ``OAuth2Error`` carrying ``redirect_uri`` and ``state`` for everything else."""
    params: dict[str, str] = {}
    repeated: list[str] = []
    for key in values:
        if key in FORM_FIELDS:
            continue
        items = values.getlist(key)
        if len(items) > 1:
            repeated.append(key)
        params[key] = items[0]
    client = find_client(session, params.get("client_id", ""))
    if client is None or client.tenant_id != tenant_id or "client_id" in repeated:
        raise PageError(UNKNOWN_CLIENT, "invalid_client")
    redirect_uri = params.get("redirect_uri", "")
    if (
        not redirect_uri
        or redirect_uri not in registered(client, client.redirect_uris, issuer())
        or "redirect_uri" in repeated
    ):
        raise PageError(BAD_REDIRECT)
    state = params.get("state")

    def refuse(error: OAuth2Error) -> OAuth2Error:
        error.redirect_uri = redirect_uri
        error.state = state
        return error

    if repeated:
        names = echoed(", ".join(repeated))
        raise refuse(InvalidRequestError(f"Parameters sent more than once: {names}."))
    if "request" in params:
        raise refuse(RequestNotSupportedError())
    if "request_uri" in params:
        raise refuse(RequestURINotSupportedError())
    response_type = params.get("response_type")
    if not response_type:
        raise refuse(InvalidRequestError("response_type is required."))
    if response_type != "code":
        raise refuse(UnsupportedResponseTypeError(response_type))
    if "authorization_code" not in (client.grant_types or []):
        raise refuse(
            UnauthorizedClientError("This client may not use the authorization code grant.")
        )
    if params.get("response_mode", "query") != "query":
        raise refuse(InvalidRequestError("Only response_mode=query is supported."))
    scopes = _scopes(params.get("scope", ""), client, refuse)
    challenge = params.get("code_challenge")
    if not challenge:
        raise refuse(InvalidRequestError("code_challenge is required (PKCE with S256)."))
    if params.get("code_challenge_method") != "S256":
        raise refuse(InvalidRequestError("code_challenge_method must be S256; plain is refused."))
    if len(challenge) != S256_CHALLENGE_LENGTH or not set(challenge) <= BASE64URL:
        raise refuse(InvalidRequestError("code_challenge is not a base64url SHA-256 digest."))
    prompt = frozenset(params.get("prompt", "").split())
    if prompt - PROMPTS:
        raise refuse(
            InvalidRequestError(
                f"Unknown prompt value: {echoed(' '.join(sorted(prompt - PROMPTS)))}."
            )
        )
    if "none" in prompt and len(prompt) > 1:
        raise refuse(InvalidRequestError("prompt=none cannot be combined with other values."))
    max_age = _max_age(params.get("max_age"), refuse)
    claims = _claims(params.get("claims"), refuse)
    nonce = params.get("nonce")
    if nonce is not None and len(nonce) > 255:
        raise refuse(InvalidRequestError("nonce is longer than 255 characters."))
    if claims and _asks_verified_claims(claims) and _allowed(client, "verified_claims"):
        # Asking for verified_claims through the claims parameter needs the same consent as
        # asking for the scope, so it is handled as the scope from here on.
        scopes = (*scopes, "verified_claims") if "verified_claims" not in scopes else scopes
    return AuthorizationRequest(
        client=client,
        redirect_uri=redirect_uri,
        state=state,
        scopes=scopes,
        nonce=nonce,
        code_challenge=challenge,
        prompt=prompt,
        max_age=max_age,
        login_hint=params.get("login_hint"),
        ui_locales=params.get("ui_locales"),
        claims=claims,
        params=params,
    )


def _allowed(client: OAuthClient, scope: str) -> bool:
    return scope in client.scope.split()


def _scopes(raw: str, client: OAuthClient, refuse: Any) -> tuple[str, ...]:
    scopes = tuple(dict.fromkeys(raw.split()))
    if not scopes:
        raise refuse(InvalidScopeError("scope is required."))
    refused = [s for s in scopes if not _allowed(client, s)]
    if refused:
        raise refuse(
            InvalidScopeError(f"Scopes not allowed for this client: {echoed(' '.join(refused))}.")
        )
    return scopes


def _max_age(raw: str | None, refuse: Any) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit():
        raise refuse(InvalidRequestError("max_age must be a non-negative integer."))
    return int(raw)


def _claims(raw: str | None, refuse: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        claims = json.loads(raw)
    except ValueError:
        claims = None
    if not isinstance(claims, dict) or any(
        not isinstance(claims.get(member, {}), dict | type(None))
        for member in ("id_token", "userinfo")
    ):
        raise refuse(InvalidRequestError("claims must be a JSON object (OIDC Core 5.5)."))
    return claims


def _asks_verified_claims(claims: Mapping[str, Any]) -> bool:
    return any("verified_claims" in (claims.get(m) or {}) for m in ("id_token", "userinfo"))


# -- the decision ------------------------------------------------------------------------------


def proceed(session: Session, tenant_id: int, req: AuthorizationRequest, issuer: str) -> Response:
    """Log in, ask consent or answer with a code; ``OAuth2Error`` for errors to redirect."""
    decision = request.form.get("decision") if request.method == "POST" else None
    if decision is not None:
        check_csrf(request.form.get("csrf_token"))
    login = current_login()
    user = user_of(session, login.user_id) if login else None
    if login is None or user is None or _must_authenticate(req, login):
        if "none" in req.prompt:
            raise LoginRequiredError()
        return redirect_to(
            login_url(_return_url(req, login), login_hint=req.login_hint, language=page_language())
        )
    essential = req.essential_acr()
    if essential is not None and not _acr_met(login.acr, essential):
        raise UnmetAuthenticationRequirementsError(
            "The user's assurance level is below the essential acr requested."
        )
    first_party = req.client.kind == FIRST_PARTY
    if first_party and _lacks_second_factor(session, user, tenant_id, login):
        # A first-party token reaches everything the user may do, as the API's own sign-in
        # does, and that sign-in asks for the second factor; a login without one (through a
        # federated provider, say) must be made again with it.
        if "none" in req.prompt:
            raise LoginRequiredError("This account signs in with a second factor.")
        if _logged_in_since_asked(req, login):
            raise UnmetAuthenticationRequirementsError(
                "This account must sign in with its second factor to use the platform's app."
            )
        return redirect_to(
            login_url(_return_url(req, login), login_hint=req.login_hint, language=page_language())
        )
    key = consent_key(req.client)
    wanted = [s for s in req.scopes if s != "openid"]
    if first_party:
        # The user is using the platform itself: nothing goes to a third party, so there is
        # nothing to consent to (and no consent is recorded).
        pass
    elif decision == "deny":
        raise AccessDeniedError("The user refused.")
    elif decision == "allow":
        if wanted:
            grant(session, user.id, tenant_id, key, wanted)
    else:
        granted = granted_scopes(session, user.id, tenant_id, key)
        if "consent" in req.prompt or not set(wanted) <= granted:
            if "none" in req.prompt:
                raise ConsentRequiredError()
            return _consent_page(req, user, granted, tenant_id)
    code = store_code(
        session,
        client=req.client,
        user_id=user.id,
        redirect_uri=req.redirect_uri,
        scope=req.scope,
        nonce=req.nonce,
        code_challenge=req.code_challenge,
        claims_request=req.claims,
        authentication=Authentication(login.auth_time, login.acr, login.amr, login.sid),
    )
    params = [("code", code)]
    if req.state:
        params.append(("state", req.state))
    params.append(("iss", issuer))
    return redirect_to(add_params_to_uri(req.redirect_uri, params))


def _must_authenticate(req: AuthorizationRequest, login: BrowserLogin) -> bool:
    if _logged_in_since_asked(req, login):
        return False
    if req.prompt & {"login", "select_account"}:
        return True
    if req.max_age is not None:
        return (clock.now() - login.auth_time).total_seconds() > req.max_age
    return False


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key or "", salt="sieuapp.oidc.login")


def _logged_in_since_asked(req: AuthorizationRequest, login: BrowserLogin) -> bool:
    raw = req.params.get(LOGIN_MARKER)
    if not raw:
        return False
    try:
        marker = _serializer().loads(raw)
    except BadSignature:
        return False
    if not isinstance(marker, dict) or marker.get("c") != req.client.client_id:
        return False
    asked_at = datetime.fromtimestamp(int(marker.get("t", 0)), UTC)
    # A new login has a new sid; the time check refuses a login older than the question.
    return login.sid != marker.get("s") and login.auth_time >= asked_at


def _return_url(req: AuthorizationRequest, login: BrowserLogin | None) -> str:
    # The browser login stamps auth_time with the database clock in whole seconds, so the
    # marker does too, and names the login it asks to replace.
    marker = _serializer().dumps(
        {
            "c": req.client.client_id,
            "t": int(utcnow().timestamp()),
            "s": login.sid if login is not None else None,
        }
    )
    params = {k: v for k, v in req.params.items() if k != LOGIN_MARKER}
    params[LOGIN_MARKER] = marker
    return f"{AUTHORIZE}?{urlencode(params)}"


def _lacks_second_factor(session: Session, user: User, tenant_id: int, login: BrowserLogin) -> bool:
    needs = is_enrolled(session, user.id) or requires_mfa(session, user.id, tenant_id)
    return needs and not SECOND_FACTORS.intersection(login.amr)


def _acr_met(acr: str, essential: tuple[str, ...]) -> bool:
    known = [level_of(v) for v in essential if v in ACR_VALUES]
    return not known or level_of(acr) >= min(known)


def _consent_page(
    req: AuthorizationRequest, user: User, granted: frozenset[str], tenant_id: int
) -> Response:
    language = page_language()
    purposes = scope_purposes(tenant_id, req.client.plugin_id)
    manifest = runtime_of().host.manifest(req.client.plugin_id) if req.client.plugin_id else None
    return render_page(
        "auth/consent.html",
        client_name=req.client.name,
        plugin_name=manifest.name.get(language) if manifest is not None else req.client.name,
        scopes=[
            {"name": s, "purpose": purposes[s].get(language) if s in purposes else s}
            for s in req.scopes
        ],
        new_scopes=[s for s in req.scopes if s != "openid" and s not in granted],
        form_action=AUTHORIZE,
        hidden=req.params,
        user_display_name=user.full_name or user.username,
    )
