"""A relying-party library we did not write (pyoidc, ``oic.oic.Client``) signs a citizen in
against a real server on loopback: discovery, authorization code + PKCE (S256), the token
exchange with id_token verification, userinfo and refresh. pyoidc has no RFC 7009 client, so
revocation is done by authlib's ``OAuth2Session.revoke_token`` (also not ours). The login and
consent pages are driven with ``requests`` through their HTML forms, as a browser would."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from oic.oic import Client
from oic.oic.message import (
    AccessTokenResponse,
    AuthorizationResponse,
    OpenIDSchema,
    ProviderConfigurationResponse,
    RegistrationResponse,
)
from oic.utils.authn.client import CLIENT_AUTHN_METHOD
from sieuapp.core.identity.models import User
from sieuapp.core.plugins import modules

from .oidc_support import PASSWORD, with_passwords
from .support import Server, child_env, database_url, free_port, serving, sieuapp_command

WAIT_SECONDS = 90.0
REDIRECT = "http://127.0.0.1/rp/callback"
FORM_FIELD = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')

RP_PLUGIN = f"""
from flask import Blueprint
from sieuapp.sdk import Manifest, Scope, hookimpl, text


@hookimpl
def manifest():
    return Manifest(
        id="rp",
        name=text("Dịch vụ thử", "Test service"),
        description=text("Một bên tin cậy", "A relying party"),
        sdk_api=">=1.0,<2",
        scopes=(
            Scope("profile", text("Để chào bạn bằng tên", "To greet you by name")),
            Scope("email", text("Để gửi biên nhận", "To send receipts")),
        ),
        redirect_uris=({REDIRECT!r},),
        roles=("anonymous",),
    )


@hookimpl
def routes(services):
    return Blueprint("rp", __name__)
"""


@pytest.fixture
def provider(
    make_platform, synthetic, tmp_path: Path, plugin_dir: Path
) -> Iterator[tuple[Server, str, str]]:
    """``sieuapp serve`` with the plugin ``rp`` installed; its OAuth client's id and secret
    (shown once, when the install made the client)."""
    synthetic("rp", RP_PLUGIN)
    url = database_url(tmp_path / "op.sqlite3")
    platform = make_platform(plugins=[], entry_points=synthetic.entry_points(), database_url=url)
    with_passwords(platform)
    actor = modules.Actor(None, "test")
    with platform.context() as session:
        _, credentials = modules.install_with_client(platform.runtime, session, "rp", actor)
    with platform.context() as session:
        modules.enable(platform.runtime, session, "rp", actor)
        session.get(User, platform.users["citizen"].id).email = "an@example.vn"
    platform.close()
    assert credentials is not None and credentials.client_secret
    port = free_port()
    env = child_env(
        plugin_dir,
        SIEUAPP_DATABASE_URL=url,
        SIEUAPP_INSTANCE_PATH=str(tmp_path / "served"),
        SIEUAPP_PLUGINS="rp",
        SIEUAPP_SECRET_KEY="op-secret",
        SIEUAPP_MFA_ROLES="",
    )
    command = sieuapp_command("serve", "--port", str(port), "--workers", "2")
    with serving(
        "provider",
        command,
        port=port,
        env=env,
        cwd=tmp_path,
        log=tmp_path / "op.log",
        within=WAIT_SECONDS,
    ) as server:
        yield server, credentials.client_id, credentials.client_secret


def fields(page: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in FORM_FIELD.findall(page)}


def browse_to_code(base: str, authorization_url: str) -> str:
    """Follow the authorization request as a browser: the login form, the consent form, and
    the redirect back; returns the query string the relying party receives."""
    browser = requests.Session()
    answer = browser.get(authorization_url, allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text
    login_page = browser.get(urljoin(base, answer.headers["Location"]), timeout=30)
    assert login_page.status_code == 200
    form = fields(login_page.text)
    form.update(username="citizen", password=PASSWORD)
    signed_in = browser.post(
        urljoin(base, "/auth/login"), data=form, allow_redirects=False, timeout=30
    )
    assert signed_in.status_code == 303, signed_in.text
    consent_page = browser.get(
        urljoin(base, signed_in.headers["Location"]), allow_redirects=False, timeout=30
    )
    assert consent_page.status_code == 200, consent_page.text
    assert "Để gửi biên nhận" in consent_page.text  # the manifest's purpose, in Vietnamese
    decision = {**fields(consent_page.text), "decision": "allow"}
    back = browser.post(
        urljoin(base, "/oauth/authorize"), data=decision, allow_redirects=False, timeout=30
    )
    assert back.status_code == 302, back.text
    location = back.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    return urlsplit(location).query


def test_pyoidc_signs_in_refreshes_and_revokes(provider):
    server, client_id, secret = provider
    rp = Client(client_authn_method=CLIENT_AUTHN_METHOD)
    config = rp.provider_config(server.base)
    assert config["issuer"] == server.base
    assert config["code_challenge_methods_supported"] == ["S256"]
    rp.store_registration_info(
        RegistrationResponse(client_id=client_id, client_secret=secret, redirect_uris=[REDIRECT])
    )
    rp.redirect_uris = [REDIRECT]

    pkce, verifier = rp.add_code_challenge()
    assert pkce["code_challenge_method"] == "S256"
    state, nonce = "st-rp-1", "nonce-rp-1"
    request = rp.construct_AuthorizationRequest(
        request_args={
            "client_id": client_id,
            "response_type": "code",
            "scope": ["openid", "profile", "email"],
            "redirect_uri": REDIRECT,
            "state": state,
            "nonce": nonce,
            **pkce,
        }
    )
    query = browse_to_code(server.base, request.request(rp.authorization_endpoint))
    response = rp.parse_response(AuthorizationResponse, info=query, sformat="urlencoded")
    assert response["state"] == state
    assert parse_qs(query)["iss"] == [server.base]  # RFC 9207

    tokens = rp.do_access_token_request(
        state=state,
        request_args={
            "code": response["code"],
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        authn_method="client_secret_basic",
    )
    assert isinstance(tokens, AccessTokenResponse), tokens.to_dict()
    # pyoidc verified the id_token's signature with the JWKS, its issuer, audience and expiry.
    id_token = tokens["id_token"]
    assert id_token["nonce"] == nonce
    assert id_token["iss"] == server.base
    assert id_token["aud"] == [client_id]
    assert id_token["acr"] == "urn:sieuapp:loa:0"
    assert id_token.jws_header["alg"] == "RS256" and id_token.jws_header["kid"]

    info = rp.do_user_info_request(state=state)
    assert isinstance(info, OpenIDSchema), info.to_dict()
    assert info["sub"] == id_token["sub"]
    assert info["name"] == "Nguyễn Văn An"
    assert info["email"] == "an@example.vn"

    first_refresh = tokens["refresh_token"]
    refreshed = rp.do_access_token_refresh(state=state, authn_method="client_secret_basic")
    assert isinstance(refreshed, AccessTokenResponse), refreshed.to_dict()
    assert refreshed["refresh_token"] != first_refresh
    assert refreshed["id_token"]["sub"] == id_token["sub"]
    access_token = refreshed["access_token"]
    assert rp.do_user_info_request(token=access_token)["sub"] == id_token["sub"]

    session = OAuth2Session(client_id, secret, token_endpoint_auth_method="client_secret_basic")
    revoked = session.revoke_token(
        config["revocation_endpoint"], refreshed["refresh_token"], token_type_hint="refresh_token"
    )
    assert revoked.status_code == 200
    # Revoking the refresh token took its family, the access token with it.
    userinfo = requests.get(
        config["userinfo_endpoint"], headers={"Authorization": f"Bearer {access_token}"}, timeout=30
    )
    assert userinfo.status_code == 401
    assert 'error="invalid_token"' in userinfo.headers["WWW-Authenticate"]


def test_behind_a_tls_proxy_the_issuer_is_https(provider):
    """gunicorn trusts X-Forwarded-Proto from loopback (its forwarded_allow_ips), as from the
    TLS-terminating proxy of a deployment: the issuer becomes https and pyoidc's strict
    validation passes on what the real server answers."""
    server, _, _ = provider
    answer = requests.get(
        f"{server.base}/.well-known/openid-configuration",
        headers={"X-Forwarded-Proto": "https"},
        timeout=30,
    )
    doc = answer.json()
    assert doc["issuer"] == f"https://127.0.0.1:{server.port}"
    assert ProviderConfigurationResponse(**doc).verify() is True


def test_pyoidc_signs_the_shell_in_as_a_public_client(provider):
    """The web shell's first-party client (no secret, PKCE, a redirect URI registered as a
    path on the serving origin) through the same library, then its token exchanged for the
    plugin's (RFC 8693) and read back through the plugin's own introspection."""
    server, plugin_client_id, plugin_secret = provider
    redirect = f"{server.base}/app/callback"
    rp = Client(client_authn_method=CLIENT_AUTHN_METHOD)
    config = rp.provider_config(server.base)
    assert "urn:ietf:params:oauth:grant-type:token-exchange" in config["grant_types_supported"]
    rp.store_registration_info(
        RegistrationResponse(
            client_id="shell-hue", redirect_uris=[redirect], token_endpoint_auth_method="none"
        )
    )
    rp.redirect_uris = [redirect]
    pkce, verifier = rp.add_code_challenge()
    state, nonce = "st-shell-1", "nonce-shell-1"
    request = rp.construct_AuthorizationRequest(
        request_args={
            "client_id": "shell-hue",
            "response_type": "code",
            "scope": ["openid", "profile"],
            "redirect_uri": redirect,
            "state": state,
            "nonce": nonce,
            **pkce,
        }
    )
    browser = requests.Session()
    answer = browser.get(
        request.request(rp.authorization_endpoint), allow_redirects=False, timeout=30
    )
    assert answer.status_code == 302, answer.text
    login_page = browser.get(urljoin(server.base, answer.headers["Location"]), timeout=30)
    form = {**fields(login_page.text), "username": "citizen", "password": PASSWORD}
    signed_in = browser.post(
        urljoin(server.base, "/auth/login"), data=form, allow_redirects=False, timeout=30
    )
    assert signed_in.status_code == 303, signed_in.text
    # No consent page: the code comes straight back.
    back = browser.get(
        urljoin(server.base, signed_in.headers["Location"]), allow_redirects=False, timeout=30
    )
    assert back.status_code == 302, back.text
    assert back.headers["Location"].startswith(redirect + "?")
    query = urlsplit(back.headers["Location"]).query
    response = rp.parse_response(AuthorizationResponse, info=query, sformat="urlencoded")
    assert response["state"] == state

    tokens = rp.do_access_token_request(
        state=state,
        request_args={
            "client_id": "shell-hue",
            "code": response["code"],
            "redirect_uri": redirect,
            "code_verifier": verifier,
        },
        authn_method="",
    )
    assert isinstance(tokens, AccessTokenResponse), tokens.to_dict()
    assert tokens["id_token"]["aud"] == ["shell-hue"] and tokens["id_token"]["nonce"] == nonce
    shell_token = tokens["access_token"]
    me = requests.get(
        f"{server.base}/api/v1/me", headers={"Authorization": f"Bearer {shell_token}"}, timeout=30
    )
    assert me.status_code == 200, me.text

    exchanged = requests.post(
        config["token_endpoint"],
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
            "client_id": "shell-hue",
            "subject_token": shell_token,
            "subject_token_type": "urn:ietf:params:oauth:token-type:access_token",
            "audience": "rp",
        },
        timeout=30,
    )
    assert exchanged.status_code == 200, exchanged.text
    plugin_token = exchanged.json()["access_token"]
    seen = requests.post(
        config["introspection_endpoint"],
        data={"token": plugin_token},
        auth=(plugin_client_id, plugin_secret),
        timeout=30,
    ).json()
    assert seen["active"] is True and seen["client_id"] == plugin_client_id
    refused = requests.get(
        f"{server.base}/api/v1/me", headers={"Authorization": f"Bearer {plugin_token}"}, timeout=30
    )
    assert refused.status_code == 403
