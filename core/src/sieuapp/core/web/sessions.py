from __future__ import annotations

from flask import Flask, Request, has_request_context, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class LazyCookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, but a request without the cookie (every API call with a
    bearer token) gets an empty session without building the signing serializer."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)

    def get_cookie_samesite(self, app: Flask) -> str | None:
        # Lax: sent on a relying party's top-level redirect to the authorize endpoint, never on
        # another site's form post or sub-request (the browser sign-in, identity/browser.py).
        return app.config["SESSION_COOKIE_SAMESITE"] or "Lax"

    def get_cookie_secure(self, app: Flask) -> bool:
        # Secure whenever the page was served over https, without a setting to forget.
        secure = bool(app.config["SESSION_COOKIE_SECURE"])
        return secure or (has_request_context() and request.is_secure)
