"""How a plugin's routes are named, and which plugin a request is for."""

from __future__ import annotations

from flask import has_request_context, request

#: A plugin's blueprint is mounted as ``m_<plugin id>``.
BLUEPRINT_PREFIX = "m_"


def request_plugin() -> str | None:
    """The plugin whose route the request reached, or None for the core's own routes."""
    blueprint = request.blueprint if has_request_context() else None
    if not blueprint or not blueprint.startswith(BLUEPRINT_PREFIX):
        return None
    return blueprint.split(".", 1)[0][len(BLUEPRINT_PREFIX) :]
