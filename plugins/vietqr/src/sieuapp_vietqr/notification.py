"""The bank connector's notification of a credit to the account: its signature and its body.

Banks do not call a payee's server themselves; a connector that watches the account (the
bank's own open-banking service, Casso, SePay, or the province's adapter in front of one)
posts each transaction. This module defines the one request the plugin accepts (see the
README): a JSON body, signed with the tenant's ``notify_secret``::

    X-Timestamp: <Unix time in seconds>
    X-Signature: sha256=<hex HMAC-SHA256 of "<X-Timestamp>.<raw body>">

The timestamp is inside what is signed: a signature over the body alone could be sent again
with a fresh timestamp, and the five-minute window would stop nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: How far a notification's timestamp may be from our clock, either way (replays, skew).
TOLERANCE_SECONDS = 300
#: A connector posts one transaction: anything larger is not one.
MAX_BODY = 64 * 1024
SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Timestamp"
SIGNATURE = re.compile(r"^sha256=([0-9a-fA-F]{64})$")
TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
MAX_REFERENCE = 100
MAX_CONTENT = 1000
DIRECTIONS = ("in", "out")


class BadSignature(Exception):
    """The request is not one the connector signed now: missing, stale or wrong signature."""


class BadBody(ValueError):
    """The body is signed but not a notification; ``errors`` names the fields."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Notification:
    """One transaction on the account, as the connector reported it."""

    #: The bank's reference for the transaction (FT number): the payment's ``provider_ref``.
    reference: str
    amount: int
    #: The transfer content as the bank recorded it.
    content: str
    #: ``in`` for a credit; ``out`` (a debit) is acknowledged and ignored.
    direction: str = "in"
    #: The account credited, when the connector says; checked against the configuration.
    account_number: str | None = None
    #: When the bank booked it, as the connector wrote it (kept for the record only).
    booked_at: str | None = None


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Signature`` value for ``body`` sent at ``timestamp`` (what a connector sends)."""
    message = timestamp.encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> None:
    """Raise ``BadSignature`` unless ``body`` carries a valid signature made within the window."""
    timestamp = (headers.get(TIMESTAMP_HEADER) or "").strip()
    signature = (headers.get(SIGNATURE_HEADER) or "").strip()
    if not TIMESTAMP.match(timestamp):
        raise BadSignature(f"{TIMESTAMP_HEADER} must be the Unix time in seconds")
    match = SIGNATURE.match(signature)
    if not match:
        raise BadSignature(f"{SIGNATURE_HEADER} must be sha256=<64 hex digits>")
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        raise BadSignature(
            f"{TIMESTAMP_HEADER} is more than {TOLERANCE_SECONDS} seconds from the server's clock"
        )
    expected = sign(secret, timestamp, body).removeprefix("sha256=")
    # Constant time: how much of a guess matched must not show in how long the answer takes.
    if not hmac.compare_digest(expected, match.group(1).lower()):
        raise BadSignature(f"{SIGNATURE_HEADER} does not match the body")


def _text(data: Mapping[str, Any], name: str, limit: int, errors: dict[str, list[str]]) -> Any:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        errors[name] = ["Must be a string."]
        return None
    if len(value) > limit:
        errors[name] = [f"At most {limit} characters."]
        return None
    return value


def parse(body: bytes) -> Notification:
    """The notification in a signed body; ``BadBody`` names each field that is wrong."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadBody({"body": [f"Not JSON: {exc}"]}) from exc
    if not isinstance(data, dict):
        raise BadBody({"body": ["Must be a JSON object."]})
    errors: dict[str, list[str]] = {}
    reference = _text(data, "reference", MAX_REFERENCE, errors)
    if "reference" not in errors and not (reference or "").strip():
        errors["reference"] = ["Required: the bank's reference for the transaction."]
    amount = data.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        errors["amount"] = ["Required: a whole number of đồng above 0."]
    content = _text(data, "content", MAX_CONTENT, errors)
    if content is None and "content" not in errors:
        errors["content"] = ["Required: the transfer content as the bank recorded it."]
    direction = data.get("direction", "in")
    if direction not in DIRECTIONS:
        errors["direction"] = ["Must be 'in' or 'out'."]
    account_number = _text(data, "account_number", 40, errors)
    booked_at = _text(data, "booked_at", 40, errors)
    # Other fields are ignored: connectors add their own (balance, bank name), and refusing
    # them would have the connector retry a transfer forever over a field we do not read.
    if errors:
        raise BadBody(errors)
    return Notification(
        reference=reference.strip(),
        amount=amount,
        content=content,
        direction=direction,
        account_number=account_number.strip() if account_number else None,
        booked_at=booked_at,
    )
