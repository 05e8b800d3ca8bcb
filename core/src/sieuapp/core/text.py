"""Vietnamese text helpers."""

from __future__ import annotations

import unicodedata


def fold(value: str) -> str:
    """Lowercase without diacritics, so that "phan anh" matches "phản ánh" (đ becomes d)."""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())
