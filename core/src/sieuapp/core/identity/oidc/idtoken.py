"""The id_token (OpenID Connect Core 2): an RS256 JWT with the ``kid`` of its key."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from authlib.oidc.core.util import create_half_hash
from sqlalchemy.orm import Session

from ... import clock
from ..._runtime import runtime_of
from . import keys
from .tokens import Authentication


def id_token(
    session: Session,
    *,
    issuer: str,
    client_id: str,
    subject: str,
    authentication: Authentication,
    access_token: str | None,
    nonce: str | None = None,
) -> str:
    """Signed claims about one authentication of ``subject`` for ``client_id``."""
    now = clock.now()
    ttl = runtime_of().settings.oidc_id_token_ttl
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": subject,
        "aud": client_id,
        "azp": client_id,
        "exp": int((now + timedelta(seconds=ttl)).timestamp()),
        "iat": int(now.timestamp()),
        # Always sent, so a client that used max_age (or not) can check it.
        "auth_time": int(authentication.auth_time.timestamp()),
    }
    if nonce:
        claims["nonce"] = nonce
    if authentication.acr:
        claims["acr"] = authentication.acr
    if authentication.amr:
        claims["amr"] = list(authentication.amr)
    if authentication.sid:
        claims["sid"] = authentication.sid
    if access_token:
        claims["at_hash"] = create_half_hash(access_token, keys.ALGORITHM).decode()
    return keys.sign(session, claims)
