from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "reports_admin",
    __name__,
    url_prefix="/api/v1",
    description="Report categories, routing, boundaries and holidays",
)
