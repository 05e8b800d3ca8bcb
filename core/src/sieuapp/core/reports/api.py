from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "reports",
    __name__,
    url_prefix="/api/v1",
    description="Citizen reports: submit, follow, rate, dispute; handling organizations' queues",
)
