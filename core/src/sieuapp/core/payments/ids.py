"""Public ids of payments and refunds: short, unguessable, and safe in a bank transfer's content.

Banks upper-case, trim and strip punctuation from the content a payer types or their app fills
in; upper-case letters and digits only, without the letters people misread (Crockford's base32),
survive all of that and can be found again in it."""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: 17 characters of 5 bits: 85 random bits.
LENGTH = 17
PAYMENT_PREFIX = "PAY"
REFUND_PREFIX = "RFD"


def _random(length: int = LENGTH) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_payment_id() -> str:
    return PAYMENT_PREFIX + _random()


def new_refund_id() -> str:
    return REFUND_PREFIX + _random()


def looks_like(value: str, prefix: str) -> bool:
    """Whether ``value`` has the shape of one of our ids with ``prefix`` (not that it exists)."""
    body = value[len(prefix) :]
    return (
        len(value) == len(prefix) + LENGTH
        and value.startswith(prefix)
        and all(c in ALPHABET for c in body)
    )
