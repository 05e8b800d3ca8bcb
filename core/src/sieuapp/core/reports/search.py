"""Accent-insensitive search over reports."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, true

from ..text import fold
from .models import Report


def search_condition(q: str) -> ColumnElement[bool]:
    """Every word of ``q``, folded, must appear in the report's folded ``search_text``.

    ``search_text`` is folded when the report is written, so folding the query makes "phan anh"
    find "phản ánh" and "duong" find "đường" on any database, without an accent-aware collation.
    """
    words = fold(q).split()
    if not words:
        return true()
    # autoescape: a "%" or "_" typed by the user is a character, not a wildcard.
    return and_(*(Report.search_text.contains(word, autoescape=True) for word in words))
