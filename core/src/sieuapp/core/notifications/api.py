from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("notifications", __name__, url_prefix="/api/v1", description="Your notifications")
