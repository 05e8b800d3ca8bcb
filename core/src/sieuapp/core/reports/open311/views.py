from __future__ import annotations

from flask import Blueprint

blp = Blueprint("open311", __name__, url_prefix="/open311/v2")
