"""Bringing the payer back to where the host asked: the host's ``return_url`` travels inside
``vnp_ReturnUrl`` as a short-lived token we sign, bound to the payment, and is only ever a path
on the host the payer came from, so the return route cannot be made to redirect elsewhere."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .protocol import CANCELED

#: How long after the payment expires the payer may still come back through the token.
GRACE = timedelta(hours=1)
#: The query parameter of ``vnp_ReturnUrl`` that carries the token.
TOKEN_PARAM = "t"
#: The query parameter added to the host's return URL: ``succeeded``, ``failed`` or ``canceled``.
RESULT_PARAM = "vnpay_result"

# Tokens are signed with a key derived from the hash secret, never with the secret itself, so
# nothing we sign for ourselves could pass for a message from VNPay or the other way round.
_KEY_LABEL = b"sieuapp-vnpay return token v1"


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), _KEY_LABEL, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, payment_id: str, path: str, expires: int) -> str:
    message = f"{payment_id}\n{expires}\n{path}".encode()
    return _b64(hmac.new(_key(secret), message, hashlib.sha256).digest()[:16])


def public_root(return_url: str, request_root: str | None) -> str:
    """Where the payer reaches this tenant (``https://hue.example.vn/``): the request's, or,
    outside a request, the origin of the host's absolute ``return_url``."""
    if request_root is not None:
        return request_root
    parts = urlsplit(return_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an absolute URL when no request names the host")
    return f"{parts.scheme}://{parts.netloc}/"


def local_path(return_url: str, host: str) -> str:
    """``return_url`` as a path on ``host`` (the host name the payer uses, with its port).

    Raises ``ValueError`` for a URL on another host or one a browser would read as such."""
    if any(ord(c) < 0x21 or c == "\\" for c in return_url):
        raise ValueError("must not contain spaces, control characters or backslashes")
    parts = urlsplit(return_url)
    on_host = parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()
    if (parts.scheme or parts.netloc) and not on_host:
        raise ValueError(f"must be a path on {host}, or a URL of it")
    path = urlunsplit(("", "", parts.path, parts.query, parts.fragment))
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError("must be an absolute path, like /payments/done")
    return path


def issue(secret: str, payment_id: str, path: str, expires_at: datetime) -> str:
    """A token for ``path``, good for ``payment_id`` until ``expires_at`` plus the grace."""
    expires = int((expires_at + GRACE).timestamp())
    return f"{_b64(path.encode())}.{expires}.{_mac(secret, payment_id, path, expires)}"


def read(secret: str, token: str, payment_id: str, now: datetime) -> str | None:
    """The path a token carries, or None when it is forged, another payment's, or too old."""
    pieces = token.split(".")
    if len(pieces) != 3 or not pieces[1].isascii() or not pieces[1].isdigit():
        return None
    try:
        path = _unb64(pieces[0]).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    expires = int(pieces[1])
    expected = _mac(secret, payment_id, path, expires)
    if not hmac.compare_digest(expected.encode(), pieces[2].encode("utf-8")):
        return None
    if now.timestamp() > expires:
        return None
    return path


def result(params: dict[str, str]) -> str:
    """What the payer is told, from VNPay's codes; the IPN, not this, settles the payment."""
    if params.get("vnp_ResponseCode") == "00" and params.get("vnp_TransactionStatus") == "00":
        return "succeeded"
    if params.get("vnp_ResponseCode") == CANCELED:
        return "canceled"
    return "failed"


def with_result(path: str, outcome: str) -> str:
    """``path`` with the result added to its query (any earlier value replaced)."""
    parts = urlsplit(path)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != RESULT_PARAM]
    query.append((RESULT_PARAM, outcome))
    return urlunsplit(("", "", parts.path, urlencode(query), parts.fragment))
