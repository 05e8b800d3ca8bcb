"""Vietnamese telephone numbers: what a citizen can dial from a phone in Vietnam.

Numbers are stored and compared in one national form (digits only, ``0``-prefixed for
subscribers), so ``+84 905 123 456``, ``0905.123.456`` and ``0905123456`` are one number."""

from __future__ import annotations

import re

# Separators people type in numbers; anything else makes the number invalid.
_SEPARATORS = re.compile(r"[\s.\-()]")

#: The kinds of numbers in the national numbering plan (since the 2017-2018 renumbering).
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # Short codes: emergency 111-115, 112 and provincial service codes such as 1022.
    ("short", re.compile(r"^1\d{2,3}$")),
    # Toll-free (1800) and premium-rate (1900) service numbers, 8 or 10 digits.
    ("service", re.compile(r"^1[89]00(\d{4}|\d{6})$")),
    # Mobile: 03x, 05x, 07x, 08x, 09x followed by 7 digits.
    ("mobile", re.compile(r"^0[35789]\d{8}$")),
    # Fixed lines: a 02x/02xx area code and the subscriber number, 11 digits in all.
    ("landline", re.compile(r"^02\d{9}$")),
)

#: Area codes of three digits (Hà Nội, Hồ Chí Minh City); every other province has four.
_SHORT_AREA_CODES = ("024", "028")


class InvalidPhoneNumber(ValueError):
    """Not a number that can be dialled in Vietnam."""


def normalize(raw: str) -> str:
    """The national form of ``raw``; raises :class:`InvalidPhoneNumber` with the reason."""
    if not isinstance(raw, str):
        raise InvalidPhoneNumber("Not a string.")
    digits = _SEPARATORS.sub("", raw)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("0084"):
        digits = "0" + digits[4:]
    if not digits:
        raise InvalidPhoneNumber("Empty number.")
    if not digits.isascii() or not digits.isdigit():
        raise InvalidPhoneNumber(f"{raw!r} contains characters other than digits.")
    if kind_of(digits) is None:
        raise InvalidPhoneNumber(
            f"{raw!r} is not a Vietnamese phone number (a short code such as 113, "
            "1800/1900 xxxx, a 10-digit mobile or an 11-digit landline)."
        )
    return digits


def kind_of(number: str) -> str | None:
    """``short``, ``service``, ``mobile`` or ``landline`` for a national-form number."""
    for kind, pattern in _PATTERNS:
        if pattern.match(number):
            return kind
    return None


def display(number: str) -> str:
    """The number grouped the way it is printed in Vietnam: ``0905 123 456``, ``1900 1075``."""
    kind = kind_of(number)
    if kind == "service":
        rest = number[4:]
        groups = [rest] if len(rest) == 4 else [rest[:3], rest[3:]]
        return " ".join([number[:4], *groups])
    if kind == "mobile":
        return f"{number[:4]} {number[4:7]} {number[7:]}"
    if kind == "landline":
        if number.startswith(_SHORT_AREA_CODES):
            return f"{number[:3]} {number[3:7]} {number[7:]}"
        return f"{number[:4]} {number[4:7]} {number[7:]}"
    return number
