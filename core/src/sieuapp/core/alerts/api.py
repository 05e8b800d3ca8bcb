"""Government alerts (CAP 1.2): compose, publish, update, cancel."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "alerts",
    __name__,
    url_prefix="/api/v1",
    description="Government alerts (CAP 1.2): compose, publish, update, cancel",
)
