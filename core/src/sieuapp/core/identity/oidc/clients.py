"""OAuth clients: one per plugin per tenant, the back-ends partners register, and the
platform's own first-party clients (``shell_client``).

A client secret is ``secrets.token_urlsafe(32)``, shown once (in the answer that creates or
rotates it) and kept only as its SHA-256, like access tokens."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, has_request_context
from sieuapp.sdk import Manifest
from sieuapp.sdk._manifest import redirect_uri_problem
from sieuapp.sdk.errors import Conflict, InvalidInput
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..._runtime import runtime_of
from ...audit.log import record as audit
from ...db import utcnow
from ..consent import STANDARD_SCOPES
from ..models import Token
from ..principal import FIRST_PARTY_KIND, token_digest
from .models import OAuthClient, RefreshToken

PLUGIN = "plugin"
PARTNER = "partner"
FIRST_PARTY = FIRST_PARTY_KIND

AUTHORIZATION_CODE = "authorization_code"
REFRESH_TOKEN = "refresh_token"
CLIENT_CREDENTIALS = "client_credentials"
#: RFC 8693; only first-party clients may use it (``token_exchange``).
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
PLUGIN_GRANT_TYPES = (AUTHORIZATION_CODE, REFRESH_TOKEN, CLIENT_CREDENTIALS)
PARTNER_GRANT_TYPES = frozenset({CLIENT_CREDENTIALS, AUTHORIZATION_CODE, REFRESH_TOKEN})
AUTH_METHODS = ("client_secret_basic", "client_secret_post")
#: Every plugin client may ask for these, whatever its manifest lists.
PLUGIN_BASE_SCOPES = ("openid", "offline_access")


@dataclass(frozen=True)
class Actor:
    """Who changes a client, for the audit log."""

    user_id: str | None
    label: str


PLATFORM = Actor(None, "platform")


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def plugin_scope(manifest: Manifest) -> str:
    """What a plugin's client may ask for: ``openid offline_access`` and the manifest's scopes
    (the standard OIDC ones it declares among them)."""
    names = list(PLUGIN_BASE_SCOPES)
    names += [s.name for s in manifest.scopes if s.name not in names]
    return " ".join(names)


def audit_change(
    session: Session, action: str, client: OAuthClient, actor: Actor, **fields: Any
) -> None:
    """An ``oauth.client_*`` audit entry about ``client``; the target is its client id."""
    audit(
        session,
        action,
        tenant_id=client.tenant_id,
        actor_id=actor.user_id,
        actor_label=actor.label,
        target=client.client_id,
        plugin_id=client.plugin_id,
        **fields,
    )


def client_view(client: OAuthClient) -> dict[str, Any]:
    """The public description of a client: everything but its secret."""
    return {
        "client_id": client.client_id,
        "kind": client.kind,
        "name": client.name,
        "plugin_id": client.plugin_id,
        "organization_id": client.organization_id,
        "token_endpoint_auth_method": client.token_endpoint_auth_method,
        "redirect_uris": list(client.redirect_uris or []),
        "post_logout_redirect_uris": list(client.post_logout_redirect_uris or []),
        "grant_types": list(client.grant_types or []),
        "scope": client.scope,
        "created_at": _iso(client.created_at),
        "secret_rotated_at": _iso(client.secret_rotated_at),
        "disabled_at": _iso(client.disabled_at),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


# -- plugin clients ------------------------------------------------------------------------


def plugin_client(session: Session, tenant_id: int, plugin_id: str) -> OAuthClient | None:
    """The plugin's client in the tenant, disabled or not."""
    return session.scalar(
        select(OAuthClient).where(
            OAuthClient.tenant_id == tenant_id,
            OAuthClient.kind == PLUGIN,
            OAuthClient.plugin_id == plugin_id,
        )
    )


def ensure_plugin_client(
    session: Session,
    tenant_id: int,
    plugin_id: str,
    manifest: Manifest,
    *,
    actor: Actor = PLATFORM,
) -> tuple[OAuthClient, str | None]:
    """The plugin's client in the tenant, made when missing; the secret only when just made."""
    existing = plugin_client(session, tenant_id, plugin_id)
    if existing is not None:
        # A new plugin version may ask for other scopes; the redirect URIs stay as the
        # province set them, and a client the province disabled stays disabled.
        existing.scope = plugin_scope(manifest)
        return existing, None
    secret = new_secret()
    client = OAuthClient(
        client_id=f"plugin-{plugin_id}-{secrets.token_hex(4)}",
        tenant_id=tenant_id,
        kind=PLUGIN,
        plugin_id=plugin_id,
        name=manifest.name.vi,
        secret_hash=token_digest(secret),
        token_endpoint_auth_method="client_secret_basic",
        redirect_uris=list(manifest.redirect_uris),
        post_logout_redirect_uris=list(manifest.post_logout_redirect_uris),
        grant_types=list(PLUGIN_GRANT_TYPES),
        scope=plugin_scope(manifest),
        created_by=actor.user_id,
    )
    session.add(client)
    session.flush()
    audit_change(session, "oauth.client_created", client, actor, after=client_view(client))
    return client, secret


# -- partner clients -----------------------------------------------------------------------


def is_path(uri: Any) -> bool:
    """Whether a registered URI is a path on the issuer's own origin (first-party clients)."""
    return isinstance(uri, str) and uri.startswith("/") and not uri.startswith("//")


def path_problem(uri: Any) -> str | None:
    """Why ``uri`` cannot be a first-party client's relative redirect URI, or None."""
    if not is_path(uri):
        return f"{uri!r} must be an absolute URL or a path starting with a single /"
    if len(uri) > 2000:
        return f"{uri[:40]!r}... is longer than 2000 characters"
    # Anything a browser might read as another origin or an escape from the path is refused.
    if any(c.isspace() or c in "#\\" for c in uri) or "/../" in uri + "/" or "/./" in uri + "/":
        return f"{uri!r} must be a plain path: no spaces, fragment, backslash or dot segments"
    return None


def _uri_list(
    field_name: str, value: Any, problems: dict[str, list[str]], *, paths: bool = False
) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, list | tuple):
        problems.setdefault(field_name, []).append("Must be a list of URLs.")
        return []
    seen: set[str] = set()
    for i, uri in enumerate(value):
        problem = path_problem(uri) if paths and is_path(uri) else redirect_uri_problem(uri)
        if problem is None and uri in seen:
            problem = f"{uri!r} is listed twice"
        if problem is not None:
            problems.setdefault(f"{field_name}[{i}]", []).append(problem[0].upper() + problem[1:])
        else:
            seen.add(uri)
    return list(value)


def check_redirect_uris(
    redirect_uris: Any, post_logout_redirect_uris: Any, *, paths: bool = False
) -> tuple[list[str], list[str]]:
    """Both lists, validated; raises ``InvalidInput`` naming each bad item. ``paths`` also
    accepts paths on the issuer's origin (first-party clients only)."""
    problems: dict[str, list[str]] = {}
    redirects = _uri_list("redirect_uris", redirect_uris, problems, paths=paths)
    logouts = _uri_list(
        "post_logout_redirect_uris", post_logout_redirect_uris, problems, paths=paths
    )
    if problems:
        raise InvalidInput("Some redirect URIs are invalid.", problems)
    return redirects, logouts


def _partner_grants(grant_types: Iterable[str], problems: dict[str, list[str]]) -> list[str]:
    asked = list(grant_types)
    unknown = [g for g in asked if g not in PARTNER_GRANT_TYPES]
    if unknown:
        problems["grant_types"] = [
            f"Unknown grant type {g!r}; use {', '.join(sorted(PARTNER_GRANT_TYPES))}."
            for g in unknown
        ]
        return []
    if REFRESH_TOKEN in asked and AUTHORIZATION_CODE not in asked:
        problems["grant_types"] = ["refresh_token needs authorization_code."]
    # A partner back-end always authenticates as itself; user sign-in is the optional part.
    grants = [CLIENT_CREDENTIALS]
    if AUTHORIZATION_CODE in asked:
        grants += [AUTHORIZATION_CODE, REFRESH_TOKEN]
    return grants


def _partner_scope(scope: str, grants: Sequence[str], problems: dict[str, list[str]]) -> str:
    names = list(dict.fromkeys(scope.split()))
    unknown = [n for n in names if n not in STANDARD_SCOPES]
    if unknown:
        problems["scope"] = [
            f"Unknown scope {n!r}; a partner client may ask for {', '.join(STANDARD_SCOPES)}."
            for n in unknown
        ]
    elif names and AUTHORIZATION_CODE not in grants:
        # Scopes are a user's data; a back-end acting as itself reads none.
        problems["scope"] = ["Scopes need the authorization_code grant (a user signing in)."]
    return " ".join(names)


def create_partner_client(
    session: Session,
    tenant_id: int,
    organization_id: int,
    *,
    name: str,
    grant_types: Iterable[str] = (CLIENT_CREDENTIALS,),
    redirect_uris: Sequence[str] = (),
    post_logout_redirect_uris: Sequence[str] = (),
    scope: str = "",
    token_endpoint_auth_method: str = "client_secret_basic",
    actor: Actor,
) -> tuple[OAuthClient, str]:
    """A partner's back-end client and its secret; raises ``InvalidInput`` before writing."""
    problems: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > 200:
        problems["name"] = ["Must be 1 to 200 characters."]
    if token_endpoint_auth_method not in AUTH_METHODS:
        problems["token_endpoint_auth_method"] = [f"Must be one of: {', '.join(AUTH_METHODS)}."]
    grants = _partner_grants(grant_types, problems)
    scope = _partner_scope(scope or "", grants, problems)
    try:
        redirects, logouts = check_redirect_uris(redirect_uris, post_logout_redirect_uris)
    except InvalidInput as exc:
        problems.update(exc.errors)
        redirects, logouts = [], []
    if AUTHORIZATION_CODE in grants and not redirects and "redirect_uris" not in problems:
        problems.setdefault("redirect_uris", []).append(
            "The authorization_code grant needs at least one redirect URI."
        )
    if AUTHORIZATION_CODE not in grants and (redirects or logouts):
        field_name = "redirect_uris" if redirects else "post_logout_redirect_uris"
        problems.setdefault(field_name, []).append(
            "Redirect URIs are only for the authorization_code grant."
        )
    if problems:
        raise InvalidInput("The client cannot be registered.", problems)
    secret = new_secret()
    client = OAuthClient(
        client_id=f"partner-{secrets.token_hex(8)}",
        tenant_id=tenant_id,
        kind=PARTNER,
        organization_id=organization_id,
        name=name,
        secret_hash=token_digest(secret),
        token_endpoint_auth_method=token_endpoint_auth_method,
        redirect_uris=redirects,
        post_logout_redirect_uris=logouts,
        grant_types=grants,
        scope=scope,
        created_by=actor.user_id,
    )
    session.add(client)
    session.flush()
    audit_change(session, "oauth.client_created", client, actor, after=client_view(client))
    return client, secret


# -- managing any client -------------------------------------------------------------------


def tenant_client(session: Session, tenant_id: int, client_id: str) -> OAuthClient | None:
    """The client with that id in the tenant, disabled or not (for its managers)."""
    return session.scalar(
        select(OAuthClient).where(
            OAuthClient.client_id == client_id, OAuthClient.tenant_id == tenant_id
        )
    )


def rotate_secret(session: Session, client: OAuthClient, *, actor: Actor) -> str:
    """A new secret for the client, replacing the old one at once; audited without either."""
    if client.token_endpoint_auth_method not in AUTH_METHODS:
        raise Conflict("A public client has no secret to rotate.")
    secret = new_secret()
    client.secret_hash = token_digest(secret)
    client.secret_rotated_at = utcnow()
    audit_change(session, "oauth.client_secret_rotated", client, actor)
    return secret


def set_redirect_uris(
    session: Session,
    client: OAuthClient,
    redirect_uris: Any,
    post_logout_redirect_uris: Any,
    *,
    actor: Actor,
) -> None:
    """Replace the client's redirect URIs (``None`` leaves a list as it is); audited."""
    redirects, logouts = check_redirect_uris(
        redirect_uris, post_logout_redirect_uris, paths=client.kind == FIRST_PARTY
    )
    if client.kind == PARTNER:
        # A partner client's grants were chosen with its URIs; keep the two consistent.
        has_code = AUTHORIZATION_CODE in client.grant_types
        if has_code and redirect_uris is not None and not redirects:
            raise InvalidInput(
                "The client cannot be changed.",
                {"redirect_uris": ["The authorization_code grant needs at least one."]},
            )
        if not has_code and (redirects or logouts):
            field_name = "redirect_uris" if redirects else "post_logout_redirect_uris"
            raise InvalidInput(
                "The client cannot be changed.",
                {field_name: ["Redirect URIs are only for the authorization_code grant."]},
            )
    before = client_view(client)
    if redirect_uris is not None:
        client.redirect_uris = redirects
    if post_logout_redirect_uris is not None:
        client.post_logout_redirect_uris = logouts
    after = client_view(client)
    if after != before:
        audit_change(session, "oauth.client_updated", client, actor, before=before, after=after)


def disable(session: Session, client: OAuthClient, *, actor: Actor) -> int:
    """Refuse the client from now on and revoke its live tokens; returns how many."""
    if client.disabled_at is not None:
        return 0
    now = utcnow()
    client.disabled_at = now
    revoked = _revoke_tokens(session, client, now)
    audit_change(session, "oauth.client_disabled", client, actor)
    audit(
        session,
        "auth.token_revoked",
        tenant_id=client.tenant_id,
        actor_id=actor.user_id,
        actor_label=actor.label,
        target=client.client_id,
        plugin_id=client.plugin_id,
        after={"reason": "client_disabled", **revoked},
    )
    return revoked["access_tokens"] + revoked["refresh_tokens"]


def enable(session: Session, client: OAuthClient, *, actor: Actor) -> None:
    """Accept a disabled client again (its old tokens stay revoked)."""
    if client.disabled_at is None:
        return
    client.disabled_at = None
    audit_change(session, "oauth.client_enabled", client, actor)


def _revoke_tokens(session: Session, client: OAuthClient, now: datetime) -> dict[str, int]:
    access = session.execute(
        update(Token)
        .where(Token.client_id == client.client_id, Token.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    refresh = session.execute(
        update(RefreshToken)
        .where(RefreshToken.client_id == client.client_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    return {"access_tokens": access, "refresh_tokens": refresh}


# -- for the OpenID Provider ---------------------------------------------------------------


def find_client(session: Session, client_id: str) -> OAuthClient | None:
    """The client with that id, or None when unknown or disabled."""
    if not isinstance(client_id, str) or not client_id:
        return None
    client = session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
    if client is None or client.disabled_at is not None or _module_switched_off(client):
        return None
    return client


def _module_switched_off(client: OAuthClient) -> bool:
    # A module the province switched off takes its client with it: no sign-in, no token and no
    # user data for it until the module is enabled again.
    if client.kind != "plugin" or not has_request_context():
        return False
    state = runtime_of(current_app).tenant_states().get(client.plugin_id or "")
    return state is not None and not state.enabled


def registered(client: OAuthClient, uris: Iterable[str] | None, issuer: str) -> list[str]:
    """The client's registered redirect (or post-logout) URIs as absolute URLs: a first-party
    client's paths are on the origin of the issuer serving the request, so that one client
    serves every host name and port the platform answers on."""
    absolute = client.kind == FIRST_PARTY
    return [issuer + uri if absolute and is_path(uri) else uri for uri in uris or ()]


def check_secret(client: OAuthClient, secret: str) -> bool:
    """Whether ``secret`` is the client's secret, compared in constant time."""
    if not client.secret_hash or not isinstance(secret, str) or not secret:
        return False
    return hmac.compare_digest(client.secret_hash, token_digest(secret))


def consent_key(client: OAuthClient) -> str:
    """The key consents are stored under: the plugin id for plugin clients, else the client id
    (which contains a ``-``, so it never equals a plugin id)."""
    return client.plugin_id if client.kind == PLUGIN and client.plugin_id else client.client_id
