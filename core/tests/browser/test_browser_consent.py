"""An OpenID Connect sign-in as a relying party sees it, in a real Chromium at 360 px: the
authorize URL, the sign-in page, the consent page, the callback with a code, then the code
exchanged for tokens at the token endpoint."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import urlencode

import pytest
import requests
from sieuapp.core.identity.oidc import clients
from sieuapp.core.tenancy.context import current_tenant

from ..pages_helpers import PASSWORD
from .conftest import BROWSER, Callback, Site

pytestmark = BROWSER


@pytest.fixture
def site_plugins() -> list[str]:
    return ["xeom"]


def relying_party(site: Site, callback: Callback) -> tuple[str, str]:
    """The xeom plugin's client, redirecting to ``callback``: its id and a fresh secret."""
    actor = clients.Actor(None, "test")
    with site.platform.context() as session:
        client = clients.plugin_client(session, current_tenant().id, "xeom")
        clients.set_redirect_uris(session, client, [callback.url], None, actor=actor)
        return client.client_id, clients.rotate_secret(session, client, actor=actor)


def test_authorize_login_consent_and_back_with_a_code(site: Site, page, callback) -> None:
    client_id, secret = relying_party(site, callback)
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": callback.url,
        "scope": "openid profile",
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "login_hint": "citizen",
    }
    page.goto(site.url(f"/oauth/authorize?{urlencode(query)}"))

    # The sign-in page, the username given by login_hint.
    assert page.url.startswith(site.url("/auth/login?"))
    assert page.get_by_label("Tên đăng nhập", exact=True).input_value() == "citizen"
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()

    # The consent page: who asks, for what, in words.
    page.wait_for_url(site.url("/oauth/authorize") + "**")
    assert page.locator("h1").inner_text() == "Cho phép truy cập?"
    scopes = page.locator("ul.scopes li").all_inner_texts()
    assert any("Để chào bạn" in s for s in scopes)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("button", name="Cho phép", exact=True).click()

    # Back at the relying party with a code, the state and the issuer.
    page.wait_for_url(callback.url + "**")
    (answer,) = callback.received
    assert answer["state"] == [state]
    assert "iss" in answer
    code = answer["code"][0]

    # The relying party's back end redeems it.
    tokens = requests.post(
        site.url("/oauth/token"),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": callback.url,
            "code_verifier": verifier,
        },
        auth=(client_id, secret),
        timeout=30,
    )
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert body["token_type"].lower() == "bearer"
    assert body["id_token"].count(".") == 2
    userinfo = requests.get(
        site.url("/oauth/userinfo"),
        headers={"Authorization": f"Bearer {body['access_token']}"},
        timeout=30,
    )
    assert userinfo.status_code == 200 and userinfo.json()["preferred_username"] == "citizen"

    # The consent shows on the account page, with its revoke button.
    page.goto(site.url("/account"))
    assert page.get_by_role("button", name="Thu hồi quyền của Dịch vụ xeom").is_visible()


def test_denying_consent_sends_access_denied_back(site: Site, page, callback) -> None:
    client_id, _ = relying_party(site, callback)
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": callback.url,
        "scope": "openid profile",
        "state": "s1",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
        "ui_locales": "en",
    }
    page.goto(site.url(f"/oauth/authorize?{urlencode(query)}"))
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_label("Username", exact=True).fill("citizen")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(site.url("/oauth/authorize") + "**")
    assert page.locator("h1").inner_text() == "Allow access?"
    page.get_by_role("button", name="Deny", exact=True).click()
    page.wait_for_url(callback.url + "**")
    (answer,) = callback.received
    assert answer["error"] == ["access_denied"] and answer["state"] == ["s1"]
