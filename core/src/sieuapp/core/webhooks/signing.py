"""Standard Webhooks signatures: the ``whsec_`` secrets, HMAC-SHA256 over
``{id}.{timestamp}.{body}``, and the secrets' encryption at rest."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "whsec_"
#: The specification asks for 24 to 64 random bytes (192 to 512 bits); we make 32.
SECRET_BYTES = 32
MIN_BYTES = 24
MAX_BYTES = 64
#: The signature identifier of symmetric (HMAC-SHA256) signatures.
VERSION = "v1"


class SecretUnreadable(Exception):
    """A stored secret the current SIEUAPP_SECRET_KEY cannot decrypt (the key was changed)."""


def new_secret() -> str:
    """A fresh signing secret as partners are given it: ``whsec_`` and base64 of random bytes."""
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def key_of(secret: str) -> bytes:
    """The HMAC key a ``whsec_`` secret stands for."""
    if not secret.startswith(PREFIX):
        raise ValueError("a webhook secret starts with 'whsec_'")
    try:
        key = base64.b64decode(secret[len(PREFIX) :], validate=True)
    except binascii.Error as exc:
        raise ValueError("a webhook secret is base64 after 'whsec_'") from exc
    if not MIN_BYTES <= len(key) <= MAX_BYTES:
        raise ValueError(f"a webhook secret holds {MIN_BYTES} to {MAX_BYTES} bytes")
    return key


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256>`` of ``{message_id}.{timestamp}.{body}``."""
    # A full stop in the id would let one (id, timestamp) pair pass for another.
    if "." in message_id:
        raise ValueError("a webhook id must not contain '.'")
    content = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key_of(secret), content, hashlib.sha256).digest()
    return f"{VERSION},{base64.b64encode(digest).decode()}"


def signature_header(
    secrets_in_use: Iterable[str], message_id: str, timestamp: int, body: bytes
) -> str:
    """The ``webhook-signature`` value: one signature per secret, space delimited, so that a
    receiver still holding the secret before a rotation verifies as well as one holding the new."""
    return " ".join(sign(s, message_id, timestamp, body) for s in secrets_in_use)


def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"sieuapp webhook secrets"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(secret: str, secret_key: str) -> str:
    """``secret`` encrypted for the database: a copy of the database alone cannot sign."""
    return _fernet(secret_key).encrypt(secret.encode()).decode()


def unseal(sealed: str, secret_key: str) -> str:
    try:
        return _fernet(secret_key).decrypt(sealed.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable(
            "the endpoint's secret cannot be decrypted with this SIEUAPP_SECRET_KEY; "
            "rotate the endpoint's secret"
        ) from exc
