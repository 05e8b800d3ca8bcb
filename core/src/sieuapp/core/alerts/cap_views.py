"""The public CAP documents: the Atom feed of current alerts and each alert's CAP XML."""

from __future__ import annotations

from flask import Blueprint

blp = Blueprint("cap", __name__, url_prefix="/cap")
