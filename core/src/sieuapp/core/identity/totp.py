"""One-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238), with the standard library only.

Defaults are what authenticator apps (Google Authenticator, FreeOTP, Aegis…) assume when an
``otpauth://`` URI leaves them out: SHA-1, 6 digits, a 30-second step.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

DIGITS = 6
STEP = 30
ALGORITHM = "sha1"
#: Steps accepted either side of the current one, for clocks a little out of step (RFC 6238 §5.2).
WINDOW = 1
#: 160 bits, the HMAC-SHA-1 block-size recommendation of RFC 4226 §4 (R6).
SECRET_BYTES = 20

_DIGESTS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}


def new_secret() -> str:
    """A random shared secret, base32 without padding as authenticator apps take it."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode().rstrip("=")


def decode_secret(secret: str) -> bytes:
    """The key bytes of a base32 secret; spaces and lower case as people type them are fine."""
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(key: bytes, counter: int, digits: int = DIGITS, algorithm: str = ALGORITHM) -> str:
    """RFC 4226 §5.3: HMAC of the 8-byte counter, dynamic truncation, modulo 10^digits."""
    mac = hmac.new(key, struct.pack(">Q", counter), _DIGESTS[algorithm]).digest()
    offset = mac[-1] & 0x0F
    binary = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(binary % 10**digits).zfill(digits)


def time_step(unix_time: float, step: int = STEP) -> int:
    """RFC 6238 §4.2: T = floor((now - T0) / X) with T0 = 0."""
    return int(unix_time // step)


def totp(
    key: bytes, unix_time: float, digits: int = DIGITS, algorithm: str = ALGORITHM, step: int = STEP
) -> str:
    return hotp(key, time_step(unix_time, step), digits, algorithm)


def matching_step(key: bytes, code: str, unix_time: float, window: int = WINDOW) -> int | None:
    """The time step whose code is ``code``, within ``window`` steps of now; None if none is.

    The caller refuses a step it has already accepted (replay, RFC 6238 §5.2)."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    now = time_step(unix_time)
    found = None
    # Check every step in the window with a constant-time compare, so timing tells nothing.
    for candidate in range(now - window, now + window + 1):
        if hmac.compare_digest(hotp(key, candidate), code) and found is None:
            found = candidate
    return found


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://totp/`` URI authenticator apps read from a QR code (Key Uri Format)."""
    label = quote(f"{issuer}:{account}", safe="")
    query = urlencode(
        {
            "secret": secret,
            "issuer": issuer,
            "algorithm": ALGORITHM.upper(),
            "digits": DIGITS,
            "period": STEP,
        }
    )
    return f"otpauth://totp/{label}?{query}"
