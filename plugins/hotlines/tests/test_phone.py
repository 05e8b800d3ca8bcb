"""Vietnamese phone numbers: what the config and the favourites accept, and how they print."""

from __future__ import annotations

import pytest
from sieuapp_hotlines import phone


@pytest.mark.parametrize(
    ("raw", "national", "kind", "shown"),
    [
        ("113", "113", "short", "113"),
        ("1022", "1022", "short", "1022"),
        ("1900 1075", "19001075", "service", "1900 1075"),
        ("1800-599-920", "1800599920", "service", "1800 599 920"),
        ("0905 123 456", "0905123456", "mobile", "0905 123 456"),
        ("+84 905 123 456", "0905123456", "mobile", "0905 123 456"),
        ("0084905123456", "0905123456", "mobile", "0905 123 456"),
        ("(0234) 382.2222", "02343822222", "landline", "0234 382 2222"),
        ("+84 24 3825 3536", "02438253536", "landline", "024 3825 3536"),
        ("028 3829 6052", "02838296052", "landline", "028 3829 6052"),
    ],
)
def test_valid_numbers(raw, national, kind, shown):
    assert phone.normalize(raw) == national
    assert phone.kind_of(national) == kind
    assert phone.display(national) == shown


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "12",  # too short for a short code
        "11111",  # five digits: no such short code
        "0123456789",  # 012x mobile prefixes were retired in 2018
        "090512345",  # a digit short
        "09051234567",  # a digit too many for a mobile
        "0234382222",  # a digit short for a landline
        "1900 10",  # service numbers have 4 or 6 digits after the prefix
        "+1 202 555 0100",  # not Vietnamese
        "+84",
        "113a",
        "١١٣",  # Arabic-Indic digits are digits to Python, not to a phone network
        "0905/123/456",
    ],
)
def test_invalid_numbers(raw):
    with pytest.raises(phone.InvalidPhoneNumber):
        phone.normalize(raw)


def test_a_non_string_is_invalid():
    with pytest.raises(phone.InvalidPhoneNumber):
        phone.normalize(113)  # type: ignore[arg-type]
