"""Notification templates of the province."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "notification_templates",
    __name__,
    url_prefix="/api/v1/admin",
    description="Notification templates of the province",
)
