"""The one JSON error format of the API: ``{"code", "message", "errors": {field: [..]}}``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, has_request_context, jsonify
from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import PlatformError
from werkzeug.exceptions import HTTPException

from .web.i18n import request_language

MESSAGES: dict[int, LocalizedText] = {
    400: LocalizedText("Yêu cầu không hợp lệ.", "The request is malformed."),
    401: LocalizedText("Vui lòng đăng nhập.", "Sign in first."),
    403: LocalizedText("Bạn không có quyền làm việc này.", "You are not allowed to do this."),
    404: LocalizedText("Không tìm thấy.", "Not found."),
    405: LocalizedText("Phương thức không được hỗ trợ.", "Method not allowed."),
    409: LocalizedText(
        "Yêu cầu xung đột với trạng thái hiện tại.", "The request conflicts with the current state."
    ),
    413: LocalizedText("Yêu cầu quá lớn.", "The request is too large."),
    415: LocalizedText("Kiểu dữ liệu không được hỗ trợ.", "Unsupported media type."),
    422: LocalizedText("Một số trường không hợp lệ.", "Some fields are invalid."),
    429: LocalizedText("Quá nhiều yêu cầu.", "Too many requests."),
}


def generic_message(status: int, fallback: str) -> str:
    """The status's message in the caller's language (Vietnamese unless English is asked)."""
    text = MESSAGES.get(status)
    if text is None:
        return fallback
    language = request_language() if has_request_context() else "vi"
    return text.get(language)


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
        else generic_message(status, exc.name)
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
