"""NUL characters in input are refused before any view sees them.

PostgreSQL cannot store a NUL in text, so a value carrying one would fail its insert with a
server error (and SQLite would keep it, to break the clients that read it back). Refusing it
here, naming the field, keeps every endpoint's bad-input answer the usual 422."""

from __future__ import annotations

from typing import Any

from flask import request
from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import InvalidInput

from .i18n import request_language

NUL = "\x00"
REFUSED = LocalizedText("Có ký tự NUL không hợp lệ.", "Contains a NUL character.")


def _first_nul(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                return name
            found = _first_nul(item, name)
            if found is not None:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _first_nul(item, f"{path}[{i}]")
            if found is not None:
                return found
    return None


def nul_field() -> str | None:
    """The first query, form or JSON field of the request holding a NUL ("" for the body)."""
    found = None
    for source in (request.args, request.form):
        for key, values in source.lists():
            if NUL in key or any(NUL in v for v in values):
                found = key
                break
        if found:
            break
    if found is None and request.is_json:
        found = _first_nul(request.get_json(silent=True), "")
    return found


def refuse_nul_input() -> None:
    """Raise InvalidInput naming the field that holds a NUL, if one does."""
    found = nul_field()
    if found is not None:
        raise InvalidInput(REFUSED.get(request_language()), {found or "_request": [REFUSED.en]})
