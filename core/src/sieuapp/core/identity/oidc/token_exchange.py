"""RFC 8693 token exchange at the token endpoint: the web shell trades the user's first-party
access token for one bound to a plugin, to hand to that plugin's page inside the shell.

The shell's own token reaches everything the user may do; a plugin's page must get only what
the user let that plugin have. The issued token is the plugin client's (so the core's APIs
refuse it and only the plugin's routes take it), carries the scopes the user granted the
plugin, never outlives the token it came from, and has no refresh token."""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749.errors import (
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    UnauthorizedClientError,
)
from flask import request
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..._runtime import runtime_of
from ...audit.log import record as audit
from ..consent import granted_scopes
from ..models import Token, User
from ..principal import ENROLMENT_SCOPE, FIRST_PARTY_CLIENT
from .clients import FIRST_PARTY, PLUGIN, consent_key
from .errors import echoed
from .models import OAuthClient
from .tokens import access_token_live, find_access_token, issue_access_token, user_of

ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
#: Scopes an exchanged token never carries: it has no refresh token to keep access with.
NOT_EXCHANGED = frozenset({"offline_access"})
INVALID_SUBJECT = "subject_token is not a live access token of this tenant."


class InvalidTargetError(OAuth2Error):
    """RFC 8693 2.2.2: no token can be issued for the ``audience`` (or ``resource``) asked."""

    error = "invalid_target"


def _required(name: str) -> str:
    value = request.form.get(name)
    if not value:
        raise InvalidRequestError(f"{name} is required.")
    return value


def exchange_grant(session: Session, client: OAuthClient) -> dict[str, Any]:
    """The token response for ``grant_type=urn:ietf:params:oauth:grant-type:token-exchange``.

    RFC 8693 2.2.2 asks for ``invalid_request`` when the subject token is invalid or refused
    by policy, and ``invalid_target`` when no token can be issued for the audience."""
    if client.kind != FIRST_PARTY:
        raise UnauthorizedClientError("Only the platform's own clients may exchange tokens.")
    subject_token = _required("subject_token")
    subject_type = _required("subject_token_type")
    if subject_type != ACCESS_TOKEN_TYPE:
        raise InvalidRequestError(f"subject_token_type must be {ACCESS_TOKEN_TYPE}.")
    requested = request.form.get("requested_token_type")
    if requested is not None and requested != ACCESS_TOKEN_TYPE:
        raise InvalidRequestError(f"requested_token_type: only {ACCESS_TOKEN_TYPE} is issued.")
    for name in ("actor_token", "actor_token_type"):
        if name in request.form:
            raise InvalidRequestError(f"{name} is not supported (no delegation by exchange).")
    if "resource" in request.form:
        raise InvalidTargetError("resource is not supported; name the plugin in audience.")
    audience = _required("audience")
    subject, user = _subject(session, subject_token, client.tenant_id)
    target = _target(session, client.tenant_id, audience)
    scope = _scope(session, target, user)
    # The subject's family: revoking the shell's refresh token (its family) revokes this too.
    secret, row = issue_access_token(
        session,
        target,
        user.id,
        scope,
        family_id=subject.family_id,
        not_after=subject.expires_at,
    )
    expires_in = int((row.expires_at - row.issued_at).total_seconds())
    audit(
        session,
        "oauth.token_exchanged",
        tenant_id=client.tenant_id,
        actor_id=user.id,
        actor_label=user.username,
        target=user.id,
        plugin_id=target.plugin_id,
        after={
            "client_id": client.client_id,
            "subject_client_id": subject.client_id,
            "audience": target.client_id,
            "scope": scope,
            "expires_in": expires_in,
        },
    )
    return {
        "access_token": secret,
        "issued_token_type": ACCESS_TOKEN_TYPE,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "scope": scope,
    }


def _subject(session: Session, secret: str, tenant_id: int) -> tuple[Token, User]:
    """The subject token and its user, when it is a live first-party token of a user acting
    for themselves; ``InvalidRequestError`` saying why not otherwise."""
    token = find_access_token(session, secret)
    if token is None or not access_token_live(token, tenant_id):
        raise InvalidRequestError(INVALID_SUBJECT)
    if token.user_id is None:
        raise InvalidRequestError("subject_token belongs to a client acting for itself.")
    user = user_of(session, token.user_id)
    if user is None:
        raise InvalidRequestError(INVALID_SUBJECT)
    if not _first_party(session, token, tenant_id):
        # A plugin's or partner's token carries one third party's consent; turning it into
        # another plugin's token would spread it.
        raise InvalidRequestError("subject_token was not issued to the platform's own app.")
    if token.actor_id is not None:
        # An agent acts for the citizen under a delegation the plugin never agreed to.
        raise InvalidRequestError("subject_token is an agent's; agents cannot exchange it.")
    if ENROLMENT_SCOPE in token.scope.split():
        raise InvalidRequestError("subject_token only allows enrolling a second factor.")
    return token, user


def _first_party(session: Session, token: Token, tenant_id: int) -> bool:
    if token.client_id == FIRST_PARTY_CLIENT:
        return True
    issuer_client = session.scalar(
        select(OAuthClient).where(OAuthClient.client_id == token.client_id)
    )
    return (
        issuer_client is not None
        and issuer_client.kind == FIRST_PARTY
        and issuer_client.tenant_id == tenant_id
        and issuer_client.disabled_at is None
    )


def _target(session: Session, tenant_id: int, audience: str) -> OAuthClient:
    """The client of the plugin ``audience`` names (its client_id, or the plugin id), when
    the plugin is loaded, installed and enabled in the tenant."""
    target = session.scalar(
        select(OAuthClient).where(
            OAuthClient.tenant_id == tenant_id,
            OAuthClient.kind == PLUGIN,
            or_(OAuthClient.client_id == audience, OAuthClient.plugin_id == audience),
        )
    )
    if target is None or target.plugin_id is None:
        raise InvalidTargetError(f"audience {echoed(audience)} names no plugin of this tenant.")
    runtime = runtime_of()
    state = runtime.tenant_states().get(target.plugin_id)
    if runtime.host.manifest(target.plugin_id) is None or state is None or not state.enabled:
        raise InvalidTargetError(f"The plugin {target.plugin_id!r} is not enabled here.")
    if target.disabled_at is not None:
        raise InvalidTargetError(f"The client of the plugin {target.plugin_id!r} is disabled.")
    return target


def _scope(session: Session, target: OAuthClient, user: User) -> str:
    """What the user granted the plugin, within what its client may ask for; ``openid`` too,
    since the plugin learns who the user is either way (as after an openid-only sign-in)."""
    allowed = target.scope.split()
    granted = granted_scopes(session, user.id, target.tenant_id, consent_key(target))
    held = [s for s in allowed if (s == "openid" or s in granted) and s not in NOT_EXCHANGED]
    if "scope" not in request.form:
        return " ".join(held)
    asked = list(dict.fromkeys(request.form["scope"].split()))
    if not asked:
        raise InvalidScopeError("scope is empty.")
    refused = [s for s in asked if s not in held]
    if refused:
        raise InvalidScopeError(
            f"Scopes the user has not granted this plugin: {echoed(' '.join(refused))}."
        )
    return " ".join(asked)
