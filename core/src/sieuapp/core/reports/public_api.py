from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "reports_public",
    __name__,
    url_prefix="/api/v1/public",
    description="Public report feed and statistics",
)
