"""The web super-app at ``/`` and the province console at ``/console``: single pages of our own
JavaScript (no CDN, no build step) on top of the public APIs, signed in through the platform's
own OpenID Provider with code + PKCE like any other client."""

from __future__ import annotations

from flask import Blueprint

blp = Blueprint("shell", __name__)

# The views register themselves on ``blp``.
from . import views  # noqa: E402, F401
