"""The pages' one stylesheet, served by the app: no external assets, cached for a year under a
name that changes with its content."""

from __future__ import annotations

from flask import Response, abort

from ...web.markers import tenantless
from ...web.static_files import StaticFiles
from . import blp

STYLESHEET = "sieuapp.css"
_FILES = StaticFiles(__package__)


def stylesheet_url() -> str:
    """The stylesheet's address, versioned by its content so that a long cache is safe."""
    return f"/static/{STYLESHEET}?v={_FILES.digest(STYLESHEET)}"


@blp.app_context_processor
def _assets() -> dict[str, str]:
    return {"stylesheet_url": stylesheet_url()}


@blp.route("/static/<path:name>")
@tenantless
def stylesheet(name: str) -> Response:
    """The stylesheet (the only static file)."""
    if name != STYLESHEET:
        abort(404)
    return _FILES.response(name)
