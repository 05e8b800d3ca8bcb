"""Validation of an external provider's id_token, as OpenID Connect Core §3.1.3.7 lists it."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from ... import clock

#: Clocks of two machines differ a little; this much is forgiven on ``exp`` and ``iat``.
LEEWAY_SECONDS = 60
#: An id_token issued longer ago than this is refused even when it has not expired.
MAX_AGE_SECONDS = 600
#: Asymmetric algorithms only: ``none`` is never accepted, and the HMAC ones would make the
#: client secret a signing key that anyone who holds it could forge tokens with.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA")
_HASHES = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}


class InvalidIdToken(Exception):
    """The id_token must not be trusted; ``reason`` says why (it never quotes the token)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _header(raw: str) -> Mapping[str, Any]:
    if raw.count(".") != 2:
        # Five parts would be an encrypted id_token, which we never registered for.
        raise InvalidIdToken("not a signed JWT")
    try:
        return jws.extract_compact(raw.encode()).headers()
    except (JoseError, ValueError, TypeError):
        raise InvalidIdToken("malformed JWT") from None


def token_hash(value: str, alg: str) -> str:
    """``at_hash`` / ``c_hash``: the left half of the hash the id_token's ``alg`` names."""
    digest = _HASHES.get(alg[-3:], hashlib.sha256)(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


def verify_id_token(
    raw: str,
    *,
    keys: Callable[[bool], KeySet],
    issuer: str,
    client_id: str,
    nonce: str,
    allowed_algs: tuple[str, ...] = (),
    access_token: str | None = None,
) -> dict[str, Any]:
    """The id_token's claims once every check passed; raises :class:`InvalidIdToken`.

    ``keys(refresh)`` answers the provider's JWKS (``refresh`` asks for a fresh copy when the
    token names a key not in it, as a provider rotating its keys does)."""
    header = _header(raw)
    alg = header.get("alg")
    algs = [a for a in ALGORITHMS if not allowed_algs or a in allowed_algs]
    if alg not in algs:
        raise InvalidIdToken(f"algorithm {alg!r} is not accepted")
    try:
        try:
            token = jwt.decode(raw, keys(False), algorithms=[alg])
        except InvalidKeyIdError:
            token = jwt.decode(raw, keys(True), algorithms=[alg])
    except InvalidKeyIdError:
        raise InvalidIdToken("signed with a key the provider does not publish") from None
    except BadSignatureError:
        raise InvalidIdToken("bad signature") from None
    except (JoseError, ValueError, TypeError) as exc:
        raise InvalidIdToken(f"cannot be verified ({type(exc).__name__})") from None
    claims = token.claims
    _check_claims(claims, issuer=issuer, client_id=client_id, nonce=nonce)
    if (
        access_token is not None
        and "at_hash" in claims
        and not hmac.compare_digest(str(claims["at_hash"]), token_hash(access_token, alg))
    ):
        raise InvalidIdToken("at_hash does not match the access token")
    return dict(claims)


def _number(claims: Mapping[str, Any], name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidIdToken(f"{name} missing or not a number")
    return float(value)


def _check_claims(claims: Mapping[str, Any], *, issuer: str, client_id: str, nonce: str) -> None:
    if claims.get("iss") != issuer:
        raise InvalidIdToken("issued by another issuer")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise InvalidIdToken("sub missing or invalid")
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or client_id not in audiences:
        raise InvalidIdToken("issued for another client")
    # Core §3.1.3.7 (4, 5): with several audiences the authorized party must be us.
    azp = claims.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != client_id:
        raise InvalidIdToken("authorized party is another client")
    now = clock.now().timestamp()
    if _number(claims, "exp") + LEEWAY_SECONDS <= now:
        raise InvalidIdToken("expired")
    issued = _number(claims, "iat")
    if issued - LEEWAY_SECONDS > now:
        raise InvalidIdToken("issued in the future")
    if now - issued > MAX_AGE_SECONDS:
        raise InvalidIdToken("issued too long ago")
    sent = claims.get("nonce")
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), nonce.encode()):
        raise InvalidIdToken("nonce does not match")
