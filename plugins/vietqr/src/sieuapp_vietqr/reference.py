"""The transfer content that ties a bank credit to a payment, and finding it again.

The content a payer's bank app fills in from the QR code is the payment id itself. The host
makes it ``PAY`` and 17 Crockford base32 characters: upper case and digits only, the one
shape that survives what banks do to a transfer's content on its way to the payee's statement
— they upper-case it, drop punctuation and spaces, cut it, and add their own words and
references before or after it (``MBVCB.3278907687.PAY0ABC... .CT tu 0011...``).

Finding the id again is therefore done on the content reduced to upper-case letters and
digits, and exactly: 17 characters after ``PAY``, read with Crockford's rules (``O`` is
``0``, ``I`` and ``L`` are ``1``, for a payer who typed the content by hand). Every window
that reads as an id is a candidate; the caller keeps the ones the platform knows.
"""

from __future__ import annotations

import re
import unicodedata

from .payload import MAX_PURPOSE

PREFIX = "PAY"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BODY_LENGTH = 17
PAYMENT_ID = re.compile(rf"^{PREFIX}[{CROCKFORD}]{{{BODY_LENGTH}}}$")
#: Overlapping windows: "PAYPAY0..." holds a candidate at its first and at its fourth letter.
WINDOW = re.compile(rf"(?=({PREFIX}[0-9A-Z]{{{BODY_LENGTH}}}))")
#: Crockford's decoding of the letters it leaves out of its alphabet; U has no reading.
CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})

#: Letters NFKD does not take apart.
PLAIN = str.maketrans({"đ": "d", "Đ": "D"})


class UnsupportedPaymentId(ValueError):
    """A payment id this plugin cannot carry through a bank transfer's content."""


def transfer_content(payment_id: str) -> str:
    """What the payer's bank writes in the transfer: the payment id, which must be one a bank
    cannot change (``PAY`` and 17 Crockford base32 characters)."""
    if not isinstance(payment_id, str) or not PAYMENT_ID.match(payment_id):
        raise UnsupportedPaymentId(
            f"payment.id: {payment_id!r} is not PAY and {BODY_LENGTH} Crockford base32 "
            "characters, so a bank could change it in the transfer content and the "
            "notification would not find the payment"
        )
    assert len(payment_id) <= MAX_PURPOSE
    return payment_id


def normalize(content: str) -> str:
    """``content`` as upper-case ASCII letters and digits only, accents dropped."""
    decomposed = unicodedata.normalize("NFKD", content.translate(PLAIN))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^A-Z0-9]", "", plain.upper())


def candidates(content: str) -> list[str]:
    """The payment ids ``content`` may carry, in the order they appear, each once."""
    found: list[str] = []
    for window in WINDOW.findall(normalize(content)):
        body = window[len(PREFIX) :].translate(CONFUSABLE)
        if "U" in body:
            continue
        payment_id = PREFIX + body
        if payment_id not in found:
            found.append(payment_id)
    return found
