"""VAPID keys (RFC 8292): reading the configured private key, deriving the public key the
browser needs, and generating a pair for a province's admin.

Run ``python -m sieuapp_webpush.keys`` to print a new private key (PEM) and its public
applicationServerKey."""

from __future__ import annotations

import base64
import binascii
import sys
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


class InvalidKey(ValueError):
    """The text is not a P-256 private key in a form this plugin reads."""


def b64url_encode(raw: bytes) -> str:
    """Base64url without padding, as Web Push and JWT write bytes."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(value: str) -> bytes:
    """Decode base64url with or without padding; raises ``InvalidKey``."""
    compact = "".join(value.split())
    try:
        return base64.urlsafe_b64decode(compact + "=" * (-len(compact) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidKey("not base64url") from exc


def load_private_key(value: str) -> ec.EllipticCurvePrivateKey:
    """A PEM key, a base64url DER key or the base64url raw 32-byte scalar py_vapid writes."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidKey("Must be a P-256 private key.")
    try:
        if "-----BEGIN" in value:
            key = serialization.load_pem_private_key(value.strip().encode("ascii"), password=None)
        else:
            raw = b64url_decode(value)
            if len(raw) == 32:
                key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
            else:
                key = serialization.load_der_private_key(raw, password=None)
    except InvalidKey:
        raise InvalidKey("Must be a PEM key or base64url text.") from None
    # The parsers' messages are left out on purpose: they may quote the key.
    except (ValueError, TypeError, UnicodeEncodeError):
        raise InvalidKey("Could not be read as a P-256 private key.") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise InvalidKey("Must be an elliptic-curve key on P-256 (prime256v1), as VAPID asks.")
    return key


def public_key_of(key: ec.EllipticCurvePrivateKey) -> str:
    """The applicationServerKey: the uncompressed public point, base64url."""
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url_encode(point)


def private_pem(key: ec.EllipticCurvePrivateKey) -> str:
    """The key as PKCS#8 PEM text, the form the config field documents first."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def generate() -> tuple[str, str]:
    """A new key pair: (private key PEM, public applicationServerKey)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return private_pem(key), public_key_of(key)


def demo_config(subject: str = "mailto:ioc@hue.gov.vn") -> dict[str, Any]:
    """A complete configuration with a freshly generated key, for the demo tenant."""
    private, _public = generate()
    return {"vapid_private_key": private, "subject": subject}


def main() -> None:
    """Print a new pair; the private key goes into the plugin's configuration, nowhere else."""
    private, public = generate()
    sys.stdout.write(
        "# vapid_private_key (secret: paste it into the webpush configuration)\n"
        f"{private}\n"
        "# applicationServerKey (public: GET /m/webpush/vapid-public-key serves it)\n"
        f"{public}\n"
    )


if __name__ == "__main__":
    main()
