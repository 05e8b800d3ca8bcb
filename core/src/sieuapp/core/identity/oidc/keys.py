"""The id_token signing keys (RS256): made on first use, rotated by age or on demand, and
published in the JWKS until every id_token they signed has expired.

Private keys are stored encrypted (Fernet, with a key derived from ``SIEUAPP_SECRET_KEY`` by
HKDF), so that a copy of the database alone cannot sign tokens. A key that the current secret
cannot decrypt (the secret was changed) is retired and replaced; its public half stays
published, so the id_tokens it signed still verify."""

from __future__ import annotations

import base64
import logging
import secrets
from datetime import timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ... import clock
from ..._runtime import runtime_of
from .models import SigningKey

ALGORITHM = "RS256"
KEY_BITS = 2048
#: Tolerated clock difference between us and relying parties when a retired key is dropped.
CLOCK_SKEW = timedelta(minutes=5)
log = logging.getLogger(__name__)


def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"sieuapp oidc signing keys"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _settings() -> Any:
    return runtime_of().settings


def create_key(session: Session) -> SigningKey:
    """A new signing key, the one used from now on; the previous current key is retired."""
    now = clock.now()
    settings = _settings()
    kid = secrets.token_urlsafe(12)
    key = RSAKey.generate_key(
        KEY_BITS, parameters={"kid": kid, "use": "sig", "alg": ALGORITHM}, private=True
    )
    pem = key.as_pem(private=True)
    for old in _active(session):
        _retire(old, now, settings.oidc_id_token_ttl)
    row = SigningKey(
        kid=kid,
        algorithm=ALGORITHM,
        private_key=_fernet(settings.secret_key).encrypt(pem).decode(),
        public_jwk=key.as_dict(private=False),
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def _retire(row: SigningKey, now: Any, id_token_ttl: int) -> None:
    # Every id_token it signed expires within id_token_ttl of now; keep it published until then.
    row.retired_at = now
    row.expires_at = now + timedelta(seconds=id_token_ttl) + CLOCK_SKEW


def _active(session: Session) -> list[SigningKey]:
    return list(
        session.scalars(
            select(SigningKey)
            .where(SigningKey.retired_at.is_(None))
            .order_by(SigningKey.created_at.desc(), SigningKey.id.desc())
        )
    )


def rotate(session: Session) -> SigningKey:
    """Retire the current key and make a new one (``sieuapp keys rotate``)."""
    return create_key(session)


def signing_key(session: Session) -> tuple[SigningKey, RSAKey]:
    """The key to sign with now: made on first use, replaced once older than the rotation age
    or when the current secret cannot decrypt it."""
    settings = _settings()
    active = _active(session)
    row = active[0] if active else None
    max_age = timedelta(days=settings.oidc_key_rotation_days)
    if row is None or row.created_at + max_age <= clock.now():
        row = create_key(session)
    private = _private(row, settings.secret_key)
    if private is None:
        log.warning("signing key %s cannot be decrypted with this secret key; rotating", row.kid)
        row = create_key(session)
        private = _private(row, settings.secret_key)
        assert private is not None
    return row, private


def _private(row: SigningKey, secret_key: str) -> RSAKey | None:
    try:
        pem = _fernet(secret_key).decrypt(row.private_key.encode())
    except InvalidToken:
        return None
    return RSAKey.import_key(pem, parameters={"kid": row.kid, "use": "sig", "alg": ALGORITHM})


def published(session: Session) -> list[SigningKey]:
    """Keys in the JWKS: the current one and retired ones some id_token may still need."""
    return list(
        session.scalars(
            select(SigningKey)
            .where(or_(SigningKey.expires_at.is_(None), SigningKey.expires_at > clock.now()))
            .order_by(SigningKey.created_at.desc(), SigningKey.id.desc())
        )
    )


def jwks(session: Session) -> dict[str, list[dict[str, Any]]]:
    """The JSON Web Key Set document (public halves only)."""
    return {"keys": [dict(row.public_jwk) for row in published(session)]}


def sign(session: Session, claims: dict[str, Any]) -> str:
    """``claims`` as a compact JWS signed with the current key, its ``kid`` in the header."""
    row, private = signing_key(session)
    return jwt.encode({"alg": ALGORITHM, "typ": "JWT", "kid": row.kid}, claims, private)


def verify(session: Session, token: str) -> dict[str, Any] | None:
    """The claims of a JWT signed by one of our published keys, expired or not; None when the
    signature does not verify or the token is malformed."""
    key_set = KeySet([RSAKey.import_key(dict(row.public_jwk)) for row in published(session)])
    if not key_set.keys:
        return None
    try:
        return dict(jwt.decode(token, key_set, algorithms=[ALGORITHM]).claims)
    except (JoseError, ValueError):  # ValueError: bad base64 or JSON
        return None
