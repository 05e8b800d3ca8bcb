"""How the OpenID Provider answers errors: RFC 6749 JSON bodies, redirects to a validated
redirect URI (with ``state`` and RFC 9207 ``iss``), and a page when there is nowhere safe to
redirect to (unknown client, unregistered redirect URI)."""

from __future__ import annotations

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from flask import Response, json
from sieuapp.sdk import LocalizedText

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
#: RFC 6749 5.2: error_description is %x20-21 / %x23-5B / %x5D-7E.
DESCRIPTION_CHARS = frozenset(chr(c) for c in range(0x20, 0x7F)) - {'"', "\\"}


def echoed(value: str, limit: int = 60) -> str:
    """A value from the request, made safe to quote in an error_description."""
    kept = "".join(c if c in DESCRIPTION_CHARS else "?" for c in value[:limit])
    return kept + ("..." if len(value) > limit else "")


class PageError(Exception):
    """An authorization request that cannot be answered by redirect: shown to the user."""

    def __init__(self, message: LocalizedText, error: str = "invalid_request") -> None:
        super().__init__(message.en)
        self.message = message
        self.error = error


def json_error(error: OAuth2Error) -> Response:
    """``{"error", "error_description"}`` with the error's status and headers, never cached."""
    status, body, headers = error()
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    for name, value in headers:
        if name.lower() != "content-type":
            response.headers[name] = value
    response.headers.update(NO_STORE)
    return response


def redirect_error(
    error: OAuth2Error, redirect_uri: str, state: str | None, issuer: str
) -> Response:
    """The error sent back to the client's (already validated) redirect URI."""
    params = [("error", error.error)]
    if error.description:
        params.append(("error_description", error.description))
    if state:
        params.append(("state", state))
    params.append(("iss", issuer))
    return redirect_to(add_params_to_uri(redirect_uri, params))


def redirect_to(location: str) -> Response:
    """A 302 to ``location``, never cached (it may carry a code)."""
    response = Response(status=302)
    response.headers["Location"] = location
    response.headers.update(NO_STORE)
    return response


def error_page(
    message: LocalizedText, status: int = 400, error: str = "invalid_request"
) -> Response:
    """The error page of the authorization and logout endpoints."""
    from ..browser import page_language, render_page

    return render_page(
        "oidc/error.html",
        status=status,
        message=message.get(page_language()),
        error=error,
    )
