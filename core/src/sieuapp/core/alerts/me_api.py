"""Your areas, your alerts and your inbox."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "my_alerts",
    __name__,
    url_prefix="/api/v1",
    description="Your areas, your alerts and your inbox",
)
