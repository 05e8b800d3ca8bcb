"""What the OpenID Provider tests share: registered clients, PKCE pairs, a browser sign-in
through the login form, and the authorization code flow driven through the pages."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import textwrap
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient
from sieuapp.core.identity.oidc.models import OAuthClient
from sieuapp.core.identity.principal import token_digest
from sieuapp.core.tenancy.models import Tenant
from sqlalchemy import select
from werkzeug.test import TestResponse

from .pages_helpers import PASSWORD, with_passwords  # noqa: F401  (shared with the OIDC tests)

REDIRECT = "https://rp.example/callback"
LOGOUT_REDIRECT = "https://rp.example/signed-out"
ALL_SCOPES = "openid profile email phone offline_access verified_claims"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def register_client(
    platform,
    *,
    client_id: str | None = None,
    kind: str = "plugin",
    plugin_id: str | None = "hello",
    scope: str = ALL_SCOPES,
    grant_types: tuple[str, ...] = ("authorization_code", "refresh_token"),
    public: bool = False,
    tenant: str = "hue",
) -> tuple[str, str | None]:
    """A client written straight to the table; returns its id and secret."""
    client_id = client_id or f"c-{secrets.token_hex(6)}"
    secret = None if public else secrets.token_urlsafe(32)
    with platform.context() as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == tenant))
        session.add(
            OAuthClient(
                client_id=client_id,
                tenant_id=tenant_id,
                kind=kind,
                plugin_id=plugin_id if kind == "plugin" else None,
                name=f"Client {client_id}",
                secret_hash=token_digest(secret) if secret else None,
                token_endpoint_auth_method="none" if public else "client_secret_basic",
                redirect_uris=[REDIRECT],
                post_logout_redirect_uris=[LOGOUT_REDIRECT],
                grant_types=list(grant_types),
                scope=scope,
            )
        )
    return client_id, secret


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, html
    return found.group(1)


def hidden_fields(html: str) -> dict[str, str]:
    import html as entities

    return {name: entities.unescape(value) for name, value in HIDDEN.findall(html)}


def sign_in(client, username: str = "citizen", next_url: str = "/account"):
    """Sign the test client's browser in through the login form; the 303 it answers."""
    page = client.get("/auth/login", query_string={"next": next_url})
    assert page.status_code == 200, page.text
    answer = client.post(
        "/auth/login",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": next_url,
        },
    )
    assert answer.status_code == 303, answer.text
    return answer


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def authorize_params(client_id: str, challenge: str, **extra: Any) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "state": "st-1",
        "nonce": "n-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    params.update({k: v for k, v in extra.items() if v is not None})
    return params


def consent(client, page_html: str, decision: str = "allow"):
    """Submit the consent page's form as the browser would."""
    fields = hidden_fields(page_html)
    fields["decision"] = decision
    return client.post("/oauth/authorize", data=fields)


def obtain_code(client, client_id: str, challenge: str, **extra: Any) -> dict[str, str]:
    """Authorize (consenting if asked) with a signed-in browser; the redirect's parameters."""
    answer = client.get(
        "/oauth/authorize", query_string=authorize_params(client_id, challenge, **extra)
    )
    if answer.status_code == 200:
        answer = consent(client, answer.text)
    assert answer.status_code == 302, answer.text
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT), location
    return query_of(location)


def exchange(client, client_id: str, secret: str | None, code: str, verifier: str, **extra: Any):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
        **extra,
    }
    return token_request(client, client_id, secret, data)


def token_request(
    client, client_id: str, secret: str | None, data: dict[str, str], path: str = "/oauth/token"
):
    if secret is None:
        return client.post(path, data={"client_id": client_id, **data})
    return client.post(path, data=data, auth=(client_id, secret))


def refresh(
    client: FlaskClient, client_id: str, secret: str | None, refresh_token: str, **extra: str
) -> TestResponse:
    """The refresh_token grant; the tests use it often enough to want one spelling of it."""
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}
    return token_request(client, client_id, secret, data)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def tokens_for(
    platform, client, client_id: str, secret: str | None, **extra: Any
) -> dict[str, Any]:
    """Code flow to the end: the token response."""
    verifier, challenge = pkce()
    code = obtain_code(client, client_id, challenge, **extra)["code"]
    answer = exchange(client, client_id, secret, code, verifier)
    assert answer.status_code == 200, answer.text
    return answer.json


def consenting_plugin(
    plugin_id: str, purpose_vi: str = "Để chào bạn", purpose_en: str = "To greet you"
) -> str:
    """A synthetic plugin asking for ``profile`` (with this purpose), ``phone`` and a scope of
    its own, whose ``/me`` shows the claims and scopes its caller consented to."""
    return textwrap.dedent(
        f"""
        from flask import Blueprint
        from sieuapp.sdk import Manifest, Scope, hookimpl, text

        @hookimpl
        def manifest():
            return Manifest(
                id={plugin_id!r},
                name=text("Dịch vụ {plugin_id}", "Service {plugin_id}"),
                description=text("Mô tả", "About"),
                sdk_api=">=1.0,<2",
                scopes=(
                    Scope("profile", text({purpose_vi!r}, {purpose_en!r})),
                    Scope("phone", text("Để gọi bạn", "To call you")),
                    Scope("{plugin_id}.trips", text("Xem chuyến đi", "See your trips")),
                ),
                roles=("citizen",),
                redirect_uris=("https://{plugin_id}.example.vn/cb",),
            )

        @hookimpl
        def routes(services):
            bp = Blueprint({plugin_id!r}, __name__)

            @bp.get("/me")
            def me():
                user = services.identity.require()
                return {{"claims": dict(user.claims), "scopes": sorted(user.scopes)}}

            return bp
        """
    )
