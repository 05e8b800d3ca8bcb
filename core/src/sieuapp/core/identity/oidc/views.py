"""The OpenID Provider's endpoints. The tenant comes from the Host header like everywhere; the
issuer is the request's ``scheme://host``. Errors follow RFC 6749 / 6750, not the API format."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from authlib.oauth2.rfc6749.errors import (
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    UnauthorizedClientError,
    UnsupportedGrantTypeError,
)
from flask import Blueprint, Response, jsonify, request
from sqlalchemy.orm import Session

from ... import clock
from ...audit.log import record as audit
from ...db import current_session
from ...tenancy.context import current_tenant
from ..assurance.levels import verified_claims
from ..claims import released_claims
from ..consent import granted_scopes
from ..models import Token, User
from . import authorize as authorization
from . import keys
from .client_auth import authenticate_client
from .clients import FIRST_PARTY, TOKEN_EXCHANGE, consent_key, find_client
from .errors import NO_STORE, PageError, echoed, error_page, json_error, redirect_error
from .idtoken import id_token
from .logout import end_session
from .metadata import GRANT_TYPES, SECRET_METHODS, issuer, provider_metadata
from .models import OAuthClient, RefreshToken
from .token_exchange import exchange_grant
from .tokens import (
    Authentication,
    access_token_live,
    find_access_token,
    find_refresh_token,
    issue_access_token,
    issue_refresh_token,
    redeem_code,
    refresh_token_live,
    revoke_family,
    rotate_refresh_token,
    user_of,
)

blp = Blueprint("oidc", __name__)
#: Scopes about a user; a client-credentials token (no user) cannot carry them.
USER_SCOPES = frozenset(
    {"openid", "profile", "email", "phone", "offline_access", "verified_claims"}
)


def _json(body: dict[str, Any], status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers.update(NO_STORE)
    return response


def _public(body: dict[str, Any]) -> Response:
    # Public documents that browser-based clients read from other origins.
    response = jsonify(body)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


# -- discovery and keys ------------------------------------------------------------------------


@blp.get("/.well-known/openid-configuration")
def openid_configuration() -> Response:
    return _public(provider_metadata(issuer()))


@blp.get("/.well-known/oauth-authorization-server")
def authorization_server_metadata() -> Response:
    return _public(provider_metadata(issuer()))


@blp.get("/oauth/jwks")
def jwks() -> Response:
    session = current_session()
    keys.signing_key(session)  # the first key is made on first use, here or when signing
    return _public(keys.jwks(session))


# -- authorization -----------------------------------------------------------------------------


@blp.route("/oauth/authorize", methods=["GET", "POST"])
def authorize() -> Response:
    session = current_session()
    tenant_id = current_tenant().id
    iss = issuer()
    values = request.form if request.method == "POST" else request.args
    try:
        req = authorization.parse(session, tenant_id, values)
    except PageError as exc:
        return error_page(exc.message, 400, exc.error)
    except OAuth2Error as exc:
        return redirect_error(exc, exc.redirect_uri, exc.state, iss)
    try:
        return authorization.proceed(session, tenant_id, req, iss)
    except OAuth2Error as exc:
        return redirect_error(exc, req.redirect_uri, req.state, iss)


# -- token -------------------------------------------------------------------------------------


def _single_parameters() -> None:
    repeated = [key for key in request.form if len(request.form.getlist(key)) > 1]
    if repeated:
        names = echoed(", ".join(repeated))
        raise InvalidRequestError(f"Parameters sent more than once: {names}.")


@blp.post("/oauth/token")
def token() -> Response:
    session = current_session()
    tenant_id = current_tenant().id
    try:
        _single_parameters()
        client, _ = authenticate_client(session, tenant_id)
        grant_type = request.form.get("grant_type")
        if not grant_type:
            raise InvalidRequestError("grant_type is required.")
        if grant_type not in GRANT_TYPES:
            raise UnsupportedGrantTypeError(grant_type)
        if grant_type not in (client.grant_types or []):
            raise UnauthorizedClientError(f"This client may not use grant_type={grant_type}.")
        handler: Callable[[Session, OAuthClient], dict[str, Any]] = _GRANTS[grant_type]
        return _json(handler(session, client))
    except OAuth2Error as exc:
        return json_error(exc)


def _required(name: str) -> str:
    value = request.form.get(name)
    if not value:
        raise InvalidRequestError(f"{name} is required.")
    return value


def _code_grant(session: Session, client: OAuthClient) -> dict[str, Any]:
    code = redeem_code(
        session,
        client,
        _required("code"),
        request.form.get("redirect_uri"),
        request.form.get("code_verifier"),
    )
    user = user_of(session, code.user_id)
    if user is None:
        raise InvalidGrantError("The account is no longer active.")
    authentication = Authentication(code.auth_time, code.acr, tuple(code.amr or ()), code.sid)
    return _issue(
        session,
        client,
        user,
        code.scope,
        code.scope,
        family_id=code.family_id,
        actor_id=code.actor_id,
        authentication=authentication,
        claims_request=code.claims_request,
        nonce=code.nonce,
    )


def _refresh_grant(session: Session, client: OAuthClient) -> dict[str, Any]:
    # Refreshing never touches the login throttle: it is not a password sign-in.
    old = rotate_refresh_token(session, client, _required("refresh_token"))
    user = user_of(session, old.user_id)
    if user is None:
        raise InvalidGrantError("The account is no longer active.")
    scope = old.scope
    if "scope" in request.form:
        asked = request.form["scope"].split()
        if not asked or not set(asked) <= set(old.scope.split()):
            raise InvalidScopeError("A refresh cannot widen the scope of the original grant.")
        scope = " ".join(asked)
    authentication = Authentication(old.auth_time, old.acr, tuple(old.amr or ()), old.sid)
    return _issue(
        session,
        client,
        user,
        scope,
        old.scope,
        family_id=old.family_id,
        actor_id=old.actor_id,
        authentication=authentication,
        claims_request=old.claims_request,
        nonce=None,
    )


def _issue(
    session: Session,
    client: OAuthClient,
    user: User,
    scope: str,
    grant_scope: str,
    *,
    family_id: str,
    actor_id: str | None,
    authentication: Authentication,
    claims_request: dict[str, Any] | None,
    nonce: str | None,
) -> dict[str, Any]:
    """The token response: an access token for ``scope``, a refresh token keeping the whole
    ``grant_scope`` when the client may refresh, and an id_token for ``openid``."""
    secret, row = issue_access_token(
        session, client, user.id, scope, family_id=family_id, actor_id=actor_id
    )
    body: dict[str, Any] = {
        "access_token": secret,
        "token_type": "Bearer",
        "expires_in": int((row.expires_at - row.issued_at).total_seconds()),
        "scope": scope,
    }
    if "refresh_token" in (client.grant_types or []):
        body["refresh_token"] = issue_refresh_token(
            session,
            client,
            user_id=user.id,
            scope=grant_scope,
            family_id=family_id,
            authentication=authentication,
            claims_request=claims_request,
            actor_id=actor_id,
        )
    if "openid" in scope.split():
        body["id_token"] = id_token(
            session,
            issuer=issuer(),
            client_id=client.client_id,
            subject=user.id,
            authentication=authentication,
            access_token=secret,
            nonce=nonce,
        )
    return body


def _client_credentials_grant(session: Session, client: OAuthClient) -> dict[str, Any]:
    if client.secret_hash is None:
        raise UnauthorizedClientError("A public client cannot use client credentials.")
    allowed = [s for s in client.scope.split() if s not in USER_SCOPES]
    asked = request.form["scope"].split() if "scope" in request.form else allowed
    refused = [s for s in asked if s not in allowed]
    if refused:
        raise InvalidScopeError(f"Scopes not allowed for this client: {echoed(' '.join(refused))}.")
    scope = " ".join(dict.fromkeys(asked))
    secret, row = issue_access_token(session, client, None, scope, family_id=None)
    return {
        "access_token": secret,
        "token_type": "Bearer",
        "expires_in": int((row.expires_at - row.issued_at).total_seconds()),
        "scope": scope,
    }


_GRANTS: dict[str, Callable[[Session, OAuthClient], dict[str, Any]]] = {
    "authorization_code": _code_grant,
    "refresh_token": _refresh_grant,
    "client_credentials": _client_credentials_grant,
    TOKEN_EXCHANGE: exchange_grant,
}


# -- revocation and introspection --------------------------------------------------------------


def _find(session: Session, secret: str, hint: str | None) -> Token | RefreshToken | None:
    lookups = [find_access_token, find_refresh_token]
    if hint == "refresh_token":
        lookups.reverse()
    for lookup in lookups:
        found = lookup(session, secret)
        if found is not None:
            return found
    return None


@blp.post("/oauth/revoke")
def revoke() -> Response:
    """RFC 7009: a refresh token takes its family with it; unknown tokens answer 200."""
    session = current_session()
    tenant_id = current_tenant().id
    try:
        _single_parameters()
        client, _ = authenticate_client(session, tenant_id)
        found = _find(session, _required("token"), request.form.get("token_type_hint"))
        if found is None or found.tenant_id != tenant_id:
            return _json({})
        if found.client_id != client.client_id:
            raise InvalidGrantError("The token was issued to another client.")
    except OAuth2Error as exc:
        return json_error(exc)
    now = clock.now()
    kind = "refresh_token" if isinstance(found, RefreshToken) else "access_token"
    if isinstance(found, RefreshToken):
        revoke_family(session, found.family_id, now)
    elif client.kind == FIRST_PARTY and found.family_id is not None:
        # The shell revoking its access token is signing out: the plugins' tokens exchanged
        # from it share its family and go too (RFC 7009 2.1 lets the refresh token go along).
        revoke_family(session, found.family_id, now)
    elif found.revoked_at is None:
        found.revoked_at = now
    audit(
        session,
        "auth.token_revoked",
        tenant_id=tenant_id,
        target=found.user_id,
        after={"client_id": client.client_id, "token_type": kind, "family_id": found.family_id},
    )
    return _json({})


@blp.post("/oauth/introspect")
def introspect() -> Response:
    """RFC 7662: a client learns about its own tokens only; anything else is inactive."""
    session = current_session()
    tenant_id = current_tenant().id
    try:
        _single_parameters()
        client, _ = authenticate_client(session, tenant_id, SECRET_METHODS)
        found = _find(session, _required("token"), request.form.get("token_type_hint"))
    except OAuth2Error as exc:
        return json_error(exc)
    inactive = _json({"active": False})
    if found is None or found.client_id != client.client_id:
        return inactive
    if isinstance(found, RefreshToken):
        live = refresh_token_live(found, tenant_id)
        issued_at, token_type = found.issued_at, "refresh_token"
    else:
        live = access_token_live(found, tenant_id)
        issued_at, token_type = found.issued_at, "Bearer"
    user = user_of(session, found.user_id)
    if not live or (found.user_id is not None and user is None):
        return inactive
    body: dict[str, Any] = {
        "active": True,
        "scope": found.scope,
        "client_id": found.client_id,
        "token_type": token_type,
        "exp": int(found.expires_at.timestamp()),
        "iat": int(issued_at.timestamp()),
        "iss": issuer(),
        "aud": found.client_id,
    }
    if user is not None:
        body["sub"] = user.id
        body["username"] = user.username
    if found.actor_id:
        body["act"] = {"sub": found.actor_id}
    return _json(body)


# -- userinfo ----------------------------------------------------------------------------------


def _bearer_error(status: int, error: str | None, description: str) -> Response:
    """RFC 6750 3: the error in WWW-Authenticate (no error code when no token was sent)."""
    challenge = f'Bearer realm="{issuer()}"'
    body: dict[str, str] = {"error_description": description}
    if error:
        challenge += f', error="{error}", error_description="{description}"'
        body = {"error": error, **body}
    if error == "insufficient_scope":
        challenge += ', scope="openid"'
    response = _json(body, status)
    response.headers["WWW-Authenticate"] = challenge
    return response


def _presented_token() -> tuple[str | None, bool]:
    """The access token and whether it was sent in more than one way (RFC 6750 2)."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    header = value.strip() if scheme.lower() == "bearer" and value.strip() else None
    form = request.form.get("access_token") if request.method == "POST" else None
    if header and form:
        return None, True
    return header or form, False


@blp.route("/oauth/userinfo", methods=["GET", "POST"])
def userinfo() -> Response:
    """The claims of the scopes the token carries AND the user still grants its client."""
    session = current_session()
    tenant_id = current_tenant().id
    secret, twice = _presented_token()
    if twice:
        return _bearer_error(400, "invalid_request", "Send the access token one way only.")
    if secret is None:
        return _bearer_error(401, None, "An access token is required.")
    token = find_access_token(session, secret)
    if token is None or not access_token_live(token, tenant_id):
        return _bearer_error(
            401, "invalid_token", "The access token is invalid, expired or revoked."
        )
    user = user_of(session, token.user_id)
    if token.user_id is not None and user is None:
        return _bearer_error(401, "invalid_token", "The account is no longer active.")
    scopes = frozenset(token.scope.split())
    if "openid" not in scopes or user is None:
        return _bearer_error(
            403, "insufficient_scope", "The token does not carry the openid scope."
        )
    client = find_client(session, token.client_id)
    if client is None:
        # The client was disabled since: its tokens no longer reach user data.
        return _bearer_error(401, "invalid_token", "The client of this token is disabled.")
    if client.kind == FIRST_PARTY:
        # The platform's own app shares nothing with a third party: no consent to consult.
        granted = scopes
    else:
        granted = granted_scopes(session, user.id, tenant_id, consent_key(client))
    released = frozenset(scopes & (granted | {"openid"}))
    claims = released_claims(user, released)
    if "verified_claims" in released:
        verified = verified_claims(session, user)
        if verified is not None:
            claims["verified_claims"] = verified
    return _json(claims)


# -- logout ------------------------------------------------------------------------------------


@blp.route("/oauth/logout", methods=["GET", "POST"])
def logout() -> Response:
    return end_session(current_session(), current_tenant().id, issuer())
