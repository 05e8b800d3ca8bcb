"""The pages' one stylesheet, served by the app: no external assets, cached for a year under a
name that changes with its content."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.resources import files

from flask import Response, abort, request

from ...web.markers import tenantless
from . import blp

STYLESHEET = "sieuapp.css"
YEAR = 365 * 24 * 3600


@cache
def _stylesheet() -> tuple[bytes, str]:
    body = files(__package__).joinpath("static", STYLESHEET).read_bytes()
    return body, hashlib.sha256(body).hexdigest()[:16]


def stylesheet_url() -> str:
    """The stylesheet's address, versioned by its content so that a long cache is safe."""
    return f"/static/{STYLESHEET}?v={_stylesheet()[1]}"


@blp.app_context_processor
def _assets() -> dict[str, str]:
    return {"stylesheet_url": stylesheet_url()}


@blp.route("/static/<path:name>")
@tenantless
def stylesheet(name: str) -> Response:
    """The stylesheet (the only static file)."""
    if name != STYLESHEET:
        abort(404)
    body, digest = _stylesheet()
    etag = f'"{digest}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = Response(status=304)
    else:
        response = Response(body, mimetype="text/css")
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response
