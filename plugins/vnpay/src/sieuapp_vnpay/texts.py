"""Text as VNPay takes it: ``vnp_OrderInfo`` must be Vietnamese without diacritics, and only
characters every party's URL encoder writes the same way survive the signature."""

from __future__ import annotations

import re
import unicodedata

#: Letters NFD does not take apart.
_PLAIN = str.maketrans({"đ": "d", "Đ": "D"})

#: VNPay's samples and servers encode ``~ * ! ' ( )`` differently from one another, so a text
#: holding them may be signed one way and checked another; these characters are safe.
_UNSAFE = re.compile(r"[^A-Za-z0-9 .,:/#_-]+")

#: ``vnp_OrderInfo`` is at most 255 characters.
ORDER_INFO_LIMIT = 255


def unaccent(text: str) -> str:
    """``text`` without diacritics: "Đà Nẵng" becomes "Da Nang"."""
    decomposed = unicodedata.normalize("NFD", text.translate(_PLAIN))
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def order_info(text: str) -> str:
    """``text`` as ``vnp_OrderInfo``: unaccented, safe characters only, one line, at most 255."""
    cleaned = " ".join(_UNSAFE.sub(" ", unaccent(text)).split())
    return cleaned[:ORDER_INFO_LIMIT].rstrip()
