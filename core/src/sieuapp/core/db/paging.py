"""One page of a listing: the API's ``page`` (from 1) and ``page_size`` query arguments, the
total that matches, and the page's rows, the same way for every paged endpoint."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session


def offset_of(query: Mapping[str, Any]) -> int:
    """Rows before the page ``query`` asks for."""
    return (int(query["page"]) - 1) * int(query["page_size"])


def one_page(statement: Select[Any], query: Mapping[str, Any]) -> Select[Any]:
    """``statement`` (already ordered) cut to the page ``query`` asks for."""
    return statement.offset(offset_of(query)).limit(int(query["page_size"]))


def paged(
    session: Session,
    entity: Any,
    condition: Sequence[ColumnElement[bool]],
    order: Sequence[Any],
    query: Mapping[str, Any],
) -> tuple[dict[str, int], list[Any]]:
    """The page's header (``total``, ``page``, ``page_size``) and its rows of ``entity``
    matching every ``condition``, in ``order``."""
    total = session.scalar(select(func.count()).select_from(entity).where(*condition)) or 0
    rows = session.scalars(one_page(select(entity).where(*condition).order_by(*order), query))
    return header(query, total), list(rows)


def header(query: Mapping[str, Any], total: int) -> dict[str, int]:
    """What every paged answer starts with."""
    return {"total": total, "page": int(query["page"]), "page_size": int(query["page_size"])}
