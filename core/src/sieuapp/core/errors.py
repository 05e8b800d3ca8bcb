"""The one JSON error format of the API: ``{"code", "message", "errors": {field: [..]}}``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, jsonify
from sieuapp.sdk.errors import PlatformError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: "The request is malformed.",
    401: "Sign in first.",
    403: "You are not allowed to do this.",
    404: "Not found.",
    405: "Method not allowed.",
    409: "The request conflicts with the current state.",
    413: "The request is too large.",
    415: "Unsupported media type.",
    422: "Some fields are invalid.",
    429: "Too many requests.",
}


def error_response(
    status: int, code: str, message: str, errors: Mapping[str, Any] | None = None
) -> Response:
    response = jsonify({"code": code, "message": message, "errors": dict(errors or {})})
    response.status_code = status
    return response


def flatten_field_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested ``{"json": {"a": {"b": [..]}}}`` as ``{"a.b": [..]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            if key in {"json", "query", "form", "headers", "files", "view_args"} and not prefix:
                flat.update(flatten_field_errors(value, ""))
                continue
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_field_errors(value, name))
    elif isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            flat[prefix or "_request"] = list(messages)
        else:
            for i, value in enumerate(messages):
                flat.update(flatten_field_errors(value, f"{prefix}[{i}]"))
    else:
        flat[prefix or "_request"] = [str(messages)]
    return flat


def _code_for(exc: HTTPException) -> str:
    name = (exc.name or "error").lower()
    return "invalid_input" if exc.code == 422 else name.replace(" ", "_").replace("'", "")


def handle_http_exception(exc: HTTPException) -> Response:
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    errors = flatten_field_errors(data.get("messages", {})) if data.get("messages") else {}
    message = data.get("message") or (
        exc.description
        if exc.description and exc.description != type(exc).description
        else MESSAGES.get(status, exc.name)
    )
    response = error_response(status, data.get("code") or _code_for(exc), message, errors)
    for key, value in (data.get("headers") or {}).items():
        response.headers[key] = value
    if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def handle_platform_error(exc: PlatformError) -> Response:
    return error_response(exc.status, exc.code, exc.message, exc.errors)


def install(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(PlatformError, handle_platform_error)
