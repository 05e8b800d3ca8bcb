"""Import a CAP 1.2 alert."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "alerts_import", __name__, url_prefix="/api/v1", description="Import a CAP 1.2 alert"
)
