"""Exceptions a plugin view raises; the host answers them in the API's common error format."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class PlatformError(Exception):
    """Base of the errors the host renders as ``{"code", "message", "errors"}``."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, errors: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = {k: list(v) for k, v in (errors or {}).items()}


class InvalidInput(PlatformError):
    status = 422
    code = "invalid_input"


class Unauthorized(PlatformError):
    status = 401
    code = "unauthorized"


class Forbidden(PlatformError):
    status = 403
    code = "forbidden"


class NotFound(PlatformError):
    status = 404
    code = "not_found"


class Conflict(PlatformError):
    status = 409
    code = "conflict"
