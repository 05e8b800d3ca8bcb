"""Vietnamese mobile numbers, as people type them, to E.164 (``+84`` and nine digits)."""

from __future__ import annotations

from sieuapp.sdk import LocalizedText

#: The two first digits after the trunk 0 of the mobile ranges in use since the 2018
#: renumbering of 11-digit numbers (03x Viettel, 05x Vietnamobile/Gmobile/Wintel, 07x and 089,
#: 090, 093 MobiFone, 081-085, 088, 091, 094 VinaPhone, 086, 096-098 Viettel, 087 iTel,
#: 092 Vietnamobile, 099 Gmobile). 095 (S-Fone) is out of service.
MOBILE_PREFIXES = frozenset(
    [f"3{d}" for d in "23456789"]
    + ["52", "55", "56", "58", "59", "70", "76", "77", "78", "79"]
    + [f"8{d}" for d in "123456789"]
    + ["90", "91", "92", "93", "94", "96", "97", "98", "99"]
)
NOT_A_MOBILE = LocalizedText(
    "Không phải số di động Việt Nam (ví dụ 0905 123 456 hoặc +84 905 123 456).",
    "Not a Vietnamese mobile number (for example 0905 123 456 or +84 905 123 456).",
)


def to_e164(raw: str) -> str | None:
    """``+84xxxxxxxxx`` for a Vietnamese mobile number in any usual writing; None otherwise."""
    digits = "".join(c for c in raw if c not in " .-()\u00a0\t")
    if digits.startswith("+84"):
        national = digits[3:]
    elif digits.startswith("0084"):
        national = digits[4:]
    elif digits.startswith("84") and len(digits) == 11:
        national = digits[2:]
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        return None
    # "+84 (0) 905 ..." keeps the trunk 0 after the country code.
    if national.startswith("0") and len(national) == 10:
        national = national[1:]
    if len(national) != 9 or not national.isascii() or not national.isdigit():
        return None
    if national[:2] not in MOBILE_PREFIXES:
        return None
    return f"+84{national}"


def masked(phone: str) -> str:
    """``+8490****456``: enough to recognise one's own number, for audit entries and pages."""
    if len(phone) < 8:
        return "*" * len(phone)
    return f"{phone[:5]}{'*' * (len(phone) - 8)}{phone[-3:]}"
