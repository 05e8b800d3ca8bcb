"""The two pages and their files. Each page is one HTML document; what it shows is built in the
browser from the APIs, so the server only says which tenant, client and language to start with."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, render_template

from ..db import current_session
from ..identity.browser import page_language
from ..identity.oidc.shell_client import SHELL_REDIRECT_PATH, shell_client_id
from ..tenancy.context import current_tenant
from ..web.markers import tenantless
from ..web.static_files import StaticFiles
from . import blp

FILES = StaticFiles(__package__)
#: Where the OpenID Provider sends the browser back with the code (registered as a path).
CALLBACK = SHELL_REDIRECT_PATH

# Scripts only from us, no inline script, frames only of our own modules, never framed itself.
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'; manifest-src 'self'"
)


def _page(app: str) -> Response:
    tenant = current_tenant()
    config: dict[str, Any] = {
        "app": app,
        "tenant": {"slug": tenant.slug, "name": tenant.name},
        "client_id": shell_client_id(current_session(), tenant),
        "callback": CALLBACK,
        "language": page_language(),
    }
    html = render_template(
        "shell/app.html",
        app=app,
        lang=config["language"],
        tenant_name=tenant.name,
        config=json.dumps(config, ensure_ascii=False).replace("</", "<\\/"),
        asset=asset_url,
    )
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def asset_url(name: str) -> str:
    """A file's address, versioned by its content."""
    return f"/app/static/{name}?v={FILES.digest(name)}"


@blp.get("/")
@blp.get(CALLBACK)
def citizen_app() -> Response:
    """The super-app: home, modules, reports, inbox, payments, account."""
    return _page("citizen")


@blp.get("/console")
def console_app() -> Response:
    """The province console, for admins, the IOC and agencies."""
    return _page("console")


@blp.get("/app/static/<path:name>")
@tenantless
def static_file(name: str) -> Response:
    """The shell's scripts, styles and icons."""
    return FILES.response(name)
