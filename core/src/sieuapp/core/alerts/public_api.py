"""Current alerts, public."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "public_alerts", __name__, url_prefix="/api/v1/public", description="Current alerts, public"
)
