"""Checking and keeping the Web Push subscriptions browsers register."""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from .models import PushSubscription

ENDPOINT_MAX = 2000
P256DH_BYTES = 65
AUTH_BYTES = 16


def endpoint_hash(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode()).hexdigest()


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint_problems(endpoint: str) -> list[str]:
    """Why a push service would not be reached safely at ``endpoint``."""
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if not host:
        return ["Must be an absolute URL."]
    if parts.scheme == "https":
        return []
    # Plain http only to this machine: a development push service; anywhere else the
    # payload, though encrypted, and the VAPID token would cross the network in clear.
    if parts.scheme == "http" and _loopback(host):
        return []
    return ["Must be an https URL."]


def decode_key(value: str) -> bytes | None:
    """The bytes of a base64url key (padding optional), or None when it is not base64url."""
    if not value or any(c in value for c in "+/ \n"):
        return None
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def p256dh_problems(value: str) -> list[str]:
    raw = decode_key(value)
    if raw is None:
        return ["Must be base64url."]
    if len(raw) != P256DH_BYTES or raw[0] != 0x04:
        return ["Must be an uncompressed P-256 public key (65 bytes starting 0x04)."]
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return ["Is not a point on the P-256 curve."]
    return []


def auth_problems(value: str) -> list[str]:
    raw = decode_key(value)
    if raw is None:
        return ["Must be base64url."]
    if len(raw) != AUTH_BYTES:
        return ["Must be 16 bytes."]
    return []


def register(
    session: Session, tenant_id: int, user_id: str, data: dict[str, Any], user_agent: str
) -> tuple[PushSubscription, bool]:
    """Keep the subscription for this user; returns it and whether it is new.

    An endpoint already known moves to the caller: only the browser holding it can have handed
    it over, so whoever signed in there last is who it reaches."""
    digest = endpoint_hash(data["endpoint"])
    row = session.scalar(select(PushSubscription).where(PushSubscription.endpoint_hash == digest))
    created = row is None
    if row is None:
        row = PushSubscription(endpoint=data["endpoint"], endpoint_hash=digest)
        row.created_at = clock.now()
        session.add(row)
    row.user_id = user_id
    row.tenant_id = tenant_id
    row.p256dh = data["keys"]["p256dh"]
    row.auth = data["keys"]["auth"]
    row.user_agent = user_agent[:300]
    session.flush()
    return row, created


def remove(session: Session, tenant_id: int, user_id: str, endpoint: str) -> bool:
    """Forget the caller's subscription at ``endpoint``; False when they have none there."""
    row = session.scalar(
        select(PushSubscription).where(
            PushSubscription.endpoint_hash == endpoint_hash(endpoint),
            PushSubscription.user_id == user_id,
            PushSubscription.tenant_id == tenant_id,
        )
    )
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
