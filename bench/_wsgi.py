"""Calling a WSGI app directly, the same way for the platform and its baseline: a prepared
environ (copied per call, as a server builds a fresh one), a start_response that only keeps
the status, and the body drained and closed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.test import EnvironBuilder

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Any]


def environ_for(path: str, host: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    builder = EnvironBuilder(path=path, base_url=f"http://{host}/", headers=headers or {})
    try:
        return builder.get_environ()
    finally:
        builder.close()


def call(app: WsgiApp, environ: dict[str, Any]) -> tuple[str, bytes]:
    """One request; returns the status line and the body."""
    status = ""

    def start_response(s: str, _headers: list[Any], _exc_info: Any = None) -> Callable[..., Any]:
        nonlocal status
        status = s
        return _write

    result = app(dict(environ), start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return status, body


def _write(_data: bytes) -> None:
    raise RuntimeError("the benchmark's apps must not use the legacy write() callable")


def requester(app: WsgiApp, environ: dict[str, Any]) -> Callable[[], None]:
    """One request per call, failing loudly on anything but 200 (an error page is cheaper)."""

    def request() -> None:
        status, _body = call(app, environ)
        if not status.startswith("200"):
            raise RuntimeError(f"{environ['PATH_INFO']} answered {status} during the benchmark")

    return request
