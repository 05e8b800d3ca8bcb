"""Your notification settings, push subscriptions and preferences."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "notification_settings",
    __name__,
    url_prefix="/api/v1",
    description="Your notification settings, push subscriptions and preferences",
)
