"""Server-rendered sign-in and account pages (``/auth/*``, ``/account``) and their stylesheet."""

from __future__ import annotations

from flask import Blueprint, Response
from sieuapp.sdk.errors import PlatformError

from ..browser import render_page

blp = Blueprint("pages", __name__)


@blp.errorhandler(PlatformError)
def _error_page(exc: PlatformError) -> Response:
    # A browser gets a page it can act on, not the API's JSON; the status stays the same.
    return render_page("auth/error.html", status=exc.status, message=exc.message)


# The views register themselves on ``blp``.
from . import account, assets, login, register  # noqa: E402, F401
