"""HTTP routes, mounted by the host at ``/m/webpush``: what a browser needs to subscribe.
The subscription itself is registered with the core (``POST /api/v1/me/push-subscriptions``)."""

from __future__ import annotations

from importlib.resources import files

from flask import Blueprint, Response, jsonify, request
from sieuapp.sdk import LANGUAGES, Services, text
from sieuapp.sdk.errors import NotFound

from .configuration import push_settings

NOT_CONFIGURED = text(
    "Thông báo đẩy chưa được cấu hình cho tỉnh này.",
    "Push notifications are not configured for this province.",
)


def request_language() -> str:
    """Vietnamese unless the caller prefers English (Accept-Language)."""
    return request.accept_languages.best_match(LANGUAGES, default="vi") or "vi"


def service_worker_source() -> str:
    """The service worker shipped with the plugin."""
    return files("sieuapp_webpush").joinpath("static/sw.js").read_text(encoding="utf-8")


def make_blueprint(services: Services) -> Blueprint:
    bp = Blueprint("webpush", __name__)

    @bp.get("/vapid-public-key")
    def vapid_public_key() -> Response:
        settings = push_settings(services.config.get())
        if settings is None:
            raise NotFound(NOT_CONFIGURED.get(request_language()))
        response = jsonify({"publicKey": settings.public_key})
        # A key rotation must reach browsers the next time they subscribe.
        response.headers["Cache-Control"] = "no-cache"
        return response

    @bp.get("/sw.js")
    def service_worker() -> Response:
        response = Response(service_worker_source(), mimetype="text/javascript")
        # The worker lives under /m/webpush/ but must control the whole app to show pushes
        # for every module; without this header the browser refuses the scope "/".
        response.headers["Service-Worker-Allowed"] = "/"
        response.headers["Cache-Control"] = "no-cache"
        return response

    return bp
