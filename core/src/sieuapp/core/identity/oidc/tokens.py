"""Authorization codes, access tokens and refresh tokens of the OpenID Provider.

Every secret is random (256 bits) and stored as its SHA-256 (``token_digest``). Codes and
refresh tokens carry a ``family_id``: the tokens issued from one code, through every refresh,
share it, so that a replayed code or a reused refresh token revokes the whole family."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ... import clock
from ..._runtime import runtime_of
from ...audit.log import record as audit
from ...db import new_id
from ..models import Token, User
from ..principal import token_digest
from .models import AuthorizationCode, OAuthClient, RefreshToken

#: RFC 7636 4.1: 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
VERIFIER_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def valid_verifier(verifier: str) -> bool:
    return 43 <= len(verifier) <= 128 and set(verifier) <= VERIFIER_CHARS


@dataclass(frozen=True)
class Authentication:
    """How the user signed in, carried from the browser login into codes and refresh tokens."""

    auth_time: datetime
    acr: str | None
    amr: tuple[str, ...]
    sid: str | None


def store_code(
    session: Session,
    *,
    client: OAuthClient,
    user_id: str,
    redirect_uri: str,
    scope: str,
    nonce: str | None,
    code_challenge: str,
    claims_request: dict[str, Any] | None,
    authentication: Authentication,
    actor_id: str | None = None,
) -> str:
    """A new single-use code; the caller gets the secret, the database its digest."""
    now = clock.now()
    code = new_secret()
    session.add(
        AuthorizationCode(
            code_hash=token_digest(code),
            client_id=client.client_id,
            tenant_id=client.tenant_id,
            user_id=user_id,
            actor_id=actor_id,
            redirect_uri=redirect_uri,
            scope=scope,
            nonce=nonce,
            code_challenge=code_challenge,
            code_challenge_method="S256",
            claims_request=claims_request,
            auth_time=authentication.auth_time,
            acr=authentication.acr,
            amr=list(authentication.amr),
            sid=authentication.sid,
            family_id=new_id(),
            expires_at=now + timedelta(seconds=runtime_of().settings.oidc_code_ttl),
            created_at=now,
        )
    )
    session.flush()
    return code


def redeem_code(
    session: Session,
    client: OAuthClient,
    code: str,
    redirect_uri: str | None,
    verifier: str | None,
) -> AuthorizationCode:
    """The code, marked used, when every check passes; ``InvalidGrantError`` otherwise. A code
    presented a second time revokes every token issued from it (RFC 6749 4.1.2)."""
    row = session.scalar(
        select(AuthorizationCode).where(AuthorizationCode.code_hash == token_digest(code))
    )
    if row is None or row.client_id != client.client_id or row.tenant_id != client.tenant_id:
        raise InvalidGrantError("The code is invalid or was issued to another client.")
    now = clock.now()
    if row.used_at is not None:
        revoke_family(session, row.family_id, now)
        audit(
            session,
            "auth.token_revoked",
            tenant_id=row.tenant_id,
            target=row.user_id,
            after={"reason": "code_replay", "client_id": client.client_id},
        )
        commit_despite_error(session)
        raise InvalidGrantError("The code was already used; the tokens issued from it are revoked.")
    if row.expires_at <= now:
        raise InvalidGrantError("The code has expired.")
    if redirect_uri != row.redirect_uri:
        raise InvalidGrantError("redirect_uri differs from the authorization request.")
    if not verifier:
        raise InvalidRequestError("code_verifier is required (PKCE).")
    if not valid_verifier(verifier):
        raise InvalidGrantError("code_verifier is malformed (RFC 7636 4.1).")
    if not secrets.compare_digest(create_s256_code_challenge(verifier), row.code_challenge):
        raise InvalidGrantError("code_verifier does not match the code_challenge.")
    # Compare-and-set, so that two concurrent redemptions cannot both win.
    won = session.execute(
        update(AuthorizationCode)
        .where(AuthorizationCode.id == row.id, AuthorizationCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        session.refresh(row)
        return redeem_code(session, client, code, redirect_uri, verifier)
    session.refresh(row)
    return row


def commit_despite_error(session: Session) -> None:
    """Commit now: the request ends in an error, and errors roll back, but a revocation made
    because of a replay must stay."""
    session.commit()


def revoke_family(session: Session, family_id: str, when: datetime) -> int:
    """Revoke every access and refresh token of a family; returns how many were live."""
    count = session.execute(
        update(Token)
        .where(Token.family_id == family_id, Token.revoked_at.is_(None))
        .values(revoked_at=when)
        .execution_options(synchronize_session=False)
    ).rowcount
    count += session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=when)
        .execution_options(synchronize_session=False)
    ).rowcount
    return count


def issue_access_token(
    session: Session,
    client: OAuthClient,
    user_id: str | None,
    scope: str,
    *,
    family_id: str | None,
    actor_id: str | None = None,
    not_after: datetime | None = None,
) -> tuple[str, Token]:
    """An opaque bearer token in the ``tokens`` table, so every API accepts it; it lives the
    access token lifetime, or until ``not_after`` when that comes first."""
    now = clock.now()
    secret = new_secret()
    expires_at = now + timedelta(seconds=runtime_of().settings.access_token_ttl)
    if not_after is not None:
        expires_at = min(expires_at, not_after)
    token = Token(
        token_hash=token_digest(secret),
        user_id=user_id,
        tenant_id=client.tenant_id,
        client_id=client.client_id,
        scope=scope,
        issued_at=now,
        expires_at=expires_at,
        family_id=family_id,
        actor_id=actor_id,
    )
    session.add(token)
    session.flush()
    return secret, token


def issue_refresh_token(
    session: Session,
    client: OAuthClient,
    *,
    user_id: str,
    scope: str,
    family_id: str,
    authentication: Authentication,
    claims_request: dict[str, Any] | None,
    actor_id: str | None,
) -> str:
    now = clock.now()
    secret = new_secret()
    session.add(
        RefreshToken(
            token_hash=token_digest(secret),
            family_id=family_id,
            client_id=client.client_id,
            tenant_id=client.tenant_id,
            user_id=user_id,
            actor_id=actor_id,
            scope=scope,
            claims_request=claims_request,
            auth_time=authentication.auth_time,
            acr=authentication.acr,
            amr=list(authentication.amr),
            sid=authentication.sid,
            issued_at=now,
            expires_at=now + timedelta(seconds=runtime_of().settings.oidc_refresh_token_ttl),
        )
    )
    session.flush()
    return secret


def rotate_refresh_token(session: Session, client: OAuthClient, secret: str) -> RefreshToken:
    """The refresh token, now rotated (never accepted again); ``InvalidGrantError`` when it is
    unknown, another client's, expired or revoked. Presenting one already rotated revokes its
    family and audits ``oauth.refresh_reuse``."""
    row = session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == token_digest(secret))
    )
    if row is None or row.client_id != client.client_id or row.tenant_id != client.tenant_id:
        raise InvalidGrantError("The refresh token is invalid or was issued to another client.")
    if row.revoked_at is not None:
        raise InvalidGrantError("The refresh token was revoked.")
    now = clock.now()
    if row.rotated_at is not None:
        _reuse_detected(session, row, now)
    if row.expires_at <= now:
        raise InvalidGrantError("The refresh token has expired.")
    won = session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.id == row.id,
            RefreshToken.rotated_at.is_(None),
            RefreshToken.revoked_at.is_(None),
        )
        .values(rotated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        # Another request rotated it a moment ago: two users of one refresh token.
        session.refresh(row)
        _reuse_detected(session, row, now)
    session.refresh(row)
    return row


def _reuse_detected(session: Session, row: RefreshToken, now: datetime) -> None:
    revoked = revoke_family(session, row.family_id, now)
    audit(
        session,
        "oauth.refresh_reuse",
        tenant_id=row.tenant_id,
        target=row.user_id,
        after={"client_id": row.client_id, "family_id": row.family_id, "revoked": revoked},
    )
    commit_despite_error(session)
    raise InvalidGrantError("The refresh token was already used; its token family is revoked.")


def find_access_token(session: Session, secret: str) -> Token | None:
    return session.scalar(select(Token).where(Token.token_hash == token_digest(secret)))


def find_refresh_token(session: Session, secret: str) -> RefreshToken | None:
    return session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == token_digest(secret))
    )


def access_token_live(token: Token, tenant_id: int) -> bool:
    return (
        token.revoked_at is None and token.expires_at > clock.now() and token.tenant_id == tenant_id
    )


def refresh_token_live(token: RefreshToken, tenant_id: int) -> bool:
    return (
        token.revoked_at is None
        and token.rotated_at is None
        and token.expires_at > clock.now()
        and token.tenant_id == tenant_id
    )


def claims_request_of(session: Session, token: Token) -> dict[str, Any] | None:
    """The OIDC ``claims`` request behind an access token (kept on its code)."""
    if token.family_id is None:
        return None
    return session.scalar(
        select(AuthorizationCode.claims_request).where(
            AuthorizationCode.family_id == token.family_id
        )
    )


@dataclass(frozen=True)
class ClientCaller:
    """A partner back-end calling with a client-credentials token (no user)."""

    client_id: str
    tenant_id: int
    scope: frozenset[str]


def client_caller(session: Session, secret: str, tenant_id: int) -> ClientCaller | None:
    """The client behind a live client-credentials token of this tenant, for partner APIs;
    None for any other token (user tokens go through ``principal.current_principal``)."""
    token = find_access_token(session, secret)
    if token is None or token.user_id is not None or not access_token_live(token, tenant_id):
        return None
    return ClientCaller(token.client_id, token.tenant_id, frozenset(token.scope.split()))


def user_of(session: Session, user_id: str | None) -> User | None:
    """The active user, or None."""
    user = session.get(User, user_id) if user_id else None
    return user if user is not None and user.active else None
