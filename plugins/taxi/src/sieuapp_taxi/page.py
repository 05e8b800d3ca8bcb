"""The rider's page, the module's entry in the app (``/m/taxi/app/``): a server-rendered shell
in the rider's language and one small script served by the plugin itself, which books and
follows rides through the JSON API beside it with the token the app gives it (``module.js``).

The page itself is public and holds nothing about anyone: it is the same for every caller, so
the app can load it in its frame before it hands the page a token."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib.resources import files
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from markupsafe import Markup
from sieuapp.sdk import LANGUAGES, Services

from . import texts
from .feedback import COMPLAINT_KINDS
from .rides import PASSENGER_REASONS
from .tariffs import SEAT_CLASSES

#: Where the page lives under the plugin's mount; the manifest's FrontendEntry route.
ROUTE = "/app/"
#: The script and stylesheet the page loads, from the package's static folder.
ASSETS = {"taxi.js": "text/javascript", "taxi.css": "text/css"}
#: The platform's bridge to the app (``window.sieuapp``): the token, the language, fetch.
MODULE_JS = "/app/static/module.js"
YEAR = 365 * 24 * 3600
#: What the form starts with until there is a map: Huế's Ngọ Môn gate and the railway station.
DEFAULT_PICKUP = (16.4677, 107.5790)
DEFAULT_DROPOFF = (16.4563, 107.5780)
#: The page loads from its own origin only, and only the app (same origin) may frame it.
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; form-action 'none'; base-uri 'none'; frame-ancestors 'self'"
)


@cache
def _asset(name: str) -> tuple[bytes, str]:
    body = files(__package__).joinpath("static", name).read_bytes()
    return body, hashlib.sha256(body).hexdigest()[:16]


def asset_url(base: str, name: str) -> str:
    """The asset's address, versioned by its content so that a long cache is safe."""
    return f"{base}static/{name}?v={_asset(name)[1]}"


def page_language() -> str:
    """``?lang=`` (what the app asks for), else the caller's Accept-Language, else Vietnamese."""
    asked = request.args.get("lang")
    return asked if asked in LANGUAGES else texts.language()


def make_page_blueprint(services: Services) -> Blueprint:
    # Templates live under templates/taxi/: blueprint template folders share one namespace.
    bp = Blueprint("page", __name__, template_folder="templates")

    @bp.get(ROUTE)
    def page() -> Response:
        language = page_language()
        # The plugin's mount (``/m/taxi/``) from where this view was reached: the API's root.
        base = request.script_root + request.path[: -len(ROUTE) + 1]
        said = {key: message.get(language) for key, message in texts.PAGE.items()}
        html = render_template(
            "taxi/page.html",
            language=language,
            large=request.args.get("large") == "1",
            t=said,
            tenant=services.tenancy.current(),
            base=base,
            module_js=request.script_root + MODULE_JS,
            script_url=asset_url(base, "taxi.js"),
            style_url=asset_url(base, "taxi.css"),
            seats=SEAT_CLASSES,
            reasons=[(r, said[f"reason_{r}"]) for r in PASSENGER_REASONS],
            kinds=[(k, v.get(language)) for k, v in COMPLAINT_KINDS.items()],
            pickup=DEFAULT_PICKUP,
            dropoff=DEFAULT_DROPOFF,
            texts_json=_script_json(said),
        )
        response = Response(html, mimetype="text/html")
        response.headers["Content-Language"] = language
        response.headers["Cache-Control"] = "no-cache"
        response.headers["Content-Security-Policy"] = POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.vary.add("Accept-Language")
        return response

    @bp.get("/static/<name>")
    def asset(name: str) -> Response:
        if name not in ASSETS:
            abort(404)
        body, digest = _asset(name)
        etag = f'"{digest}"'
        if etag in request.headers.get("If-None-Match", ""):
            response = Response(status=304)
        else:
            response = Response(body, mimetype=ASSETS[name])
        response.headers["ETag"] = etag
        # The page asks for it under its digest: that address never changes its content.
        response.headers["Cache-Control"] = (
            f"public, max-age={YEAR}, immutable"
            if request.args.get("v") == digest
            else "public, no-cache"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    return bp


def _script_json(value: Any) -> Markup:
    """JSON safe inside a ``<script type="application/json">`` element."""
    dumped = json.dumps(value, ensure_ascii=False)
    return Markup(dumped.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
