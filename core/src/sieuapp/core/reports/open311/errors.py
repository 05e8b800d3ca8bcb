"""The spec's error answer: a list of ``{code, description}``, in the format asked for.

HTTP codes follow the spec: 404 for what does not exist, 403 for a missing or bad api_key,
400 for anything else that cannot be done. Each description names the parameter at fault."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import Response
from sieuapp.sdk.errors import PlatformError

from .render import render


class Open311Error(Exception):
    """One or more spec errors, all answered with the same HTTP status."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = list(descriptions) or ["error"]


def error_body(status: int, descriptions: Iterable[str]) -> list[dict[str, object]]:
    return [{"code": status, "description": d} for d in descriptions]


def error_response(fmt: str, error: Open311Error) -> Response:
    return render(fmt, "errors", error_body(error.status, error.descriptions), error.status)


def from_platform(exc: PlatformError, names: Mapping[str, str] | None = None) -> Open311Error:
    """A platform refusal in the spec's terms; ``names`` renames our fields to the caller's
    parameters (``lon`` → ``long``), should the refusal still use ours."""
    status = exc.status if exc.status in (403, 404) else 400
    names = names or {}
    descriptions = []
    for field, messages in (exc.errors or {}).items():
        shown = _parameter(field, names)
        descriptions.extend(f"{shown}: {m}" for m in messages)
    return Open311Error(status, *(descriptions or [exc.message]))


def _parameter(field: str, names: Mapping[str, str]) -> str:
    if field in names:
        return names[field]
    head, dot, rest = field.partition(".")
    if dot and head in ("attributes", "attribute"):
        return f"attribute[{rest}]"
    return field
