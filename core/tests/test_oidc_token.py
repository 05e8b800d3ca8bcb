"""The token endpoint: code + PKCE, id_token, refresh rotation and reuse, client credentials,
client authentication, and every way a grant can be refused."""

from __future__ import annotations

import base64
import hashlib

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.identity.models import LoginThrottle, Token
from sieuapp.core.identity.oidc.models import RefreshToken
from sqlalchemy import func, select

from .oidc_support import (
    bearer,
    exchange,
    obtain_code,
    pkce,
    refresh,
    register_client,
    token_request,
    tokens_for,
)
from .support import install_clock

ISSUER = "http://hue.sieuapp.test"


@pytest.fixture
def rp(platform) -> tuple[str, str]:
    return register_client(platform)


def verify_id_token(client, token: str) -> dict:
    keys = KeySet.import_key_set(client.get("/oauth/jwks").json)
    decoded = jwt.decode(token, keys, algorithms=["RS256"])
    assert decoded.header["alg"] == "RS256"
    assert decoded.header["kid"] in {k["kid"] for k in client.get("/oauth/jwks").json["keys"]}
    return decoded.claims


def userinfo_status(client, access_token: str) -> int:
    return client.get("/oauth/userinfo", headers=bearer(access_token)).status_code


def audits(platform, action: str) -> list[AuditEntry]:
    with platform.context() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_code_flow_issues_verifiable_tokens(platform, rp, browser):
    verifier, challenge = pkce()
    code = obtain_code(browser, rp[0], challenge, nonce="n-42")["code"]
    answer = exchange(browser, rp[0], rp[1], code, verifier)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.json
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "openid profile"
    assert body["expires_in"] == 3600
    assert body["refresh_token"] and body["access_token"]
    claims = verify_id_token(browser, body["id_token"])
    assert claims["iss"] == ISSUER
    assert claims["aud"] == rp[0] and claims["azp"] == rp[0]
    assert claims["sub"] == platform.users["citizen"].id
    assert claims["nonce"] == "n-42"
    assert claims["acr"] == "urn:sieuapp:loa:0"
    assert claims["amr"] == ["pwd"]
    assert claims["sid"]
    assert claims["exp"] - claims["iat"] == 600
    assert claims["iat"] - 5 <= claims["auth_time"] <= claims["iat"]
    digest = hashlib.sha256(body["access_token"].encode()).digest()[:16]
    assert claims["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    # The access token is the plugin's: userinfo takes it, the core's own API does not (only
    # the routes of the plugin that owns the client do, see test_consent).
    assert userinfo_status(browser, body["access_token"]) == 200
    assert browser.get("/api/v1/me", headers=bearer(body["access_token"])).status_code == 403
    # Secrets are stored as digests only.
    with platform.context() as session:
        hashes = session.scalars(select(Token.token_hash)).all()
    assert body["access_token"] not in hashes


def test_wrong_verifier(platform, rp, browser):
    verifier, challenge = pkce()
    code = obtain_code(browser, rp[0], challenge)["code"]
    other, _ = pkce()
    answer = exchange(browser, rp[0], rp[1], code, other)
    assert answer.status_code == 400
    assert answer.json["error"] == "invalid_grant"
    assert exchange(browser, rp[0], rp[1], code, "short").json["error"] == "invalid_grant"
    missing = token_request(
        browser,
        rp[0],
        rp[1],
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "https://rp.example/callback",
        },
    )
    assert missing.json["error"] == "invalid_request"


def test_code_reuse_revokes_what_it_issued(platform, rp, browser):
    verifier, challenge = pkce()
    code = obtain_code(browser, rp[0], challenge)["code"]
    first = exchange(browser, rp[0], rp[1], code, verifier).json
    assert userinfo_status(browser, first["access_token"]) == 200
    # The refresh token is rotated once, so the family holds two access tokens.
    refreshed = refresh(browser, *rp, first["refresh_token"]).json
    again = exchange(browser, rp[0], rp[1], code, verifier)
    assert again.status_code == 400
    assert again.json["error"] == "invalid_grant"
    assert userinfo_status(browser, first["access_token"]) == 401
    assert userinfo_status(browser, refreshed["access_token"]) == 401
    after = refresh(browser, *rp, refreshed["refresh_token"])
    assert after.json["error"] == "invalid_grant"
    assert [e.after["reason"] for e in audits(platform, "auth.token_revoked")] == ["code_replay"]


def test_expired_code(platform, rp, browser, monkeypatch):
    clock = install_clock(monkeypatch)
    verifier, challenge = pkce()
    code = obtain_code(browser, rp[0], challenge)["code"]
    clock.advance(61)
    answer = exchange(browser, rp[0], rp[1], code, verifier)
    assert answer.json == {"error": "invalid_grant", "error_description": "The code has expired."}


def test_wrong_redirect_uri_at_the_token_endpoint(platform, rp, browser):
    verifier, challenge = pkce()
    code = obtain_code(browser, rp[0], challenge)["code"]
    answer = exchange(
        browser, rp[0], rp[1], code, verifier, redirect_uri="https://rp.example/other"
    )
    assert answer.json["error"] == "invalid_grant"
    # Still unused: the right request works.
    assert exchange(browser, rp[0], rp[1], code, verifier).status_code == 200


def test_code_of_another_client(platform, rp, browser):
    other = register_client(platform)
    verifier, challenge = pkce()
    code = obtain_code(browser, rp[0], challenge)["code"]
    assert exchange(browser, other[0], other[1], code, verifier).json["error"] == "invalid_grant"


@pytest.mark.parametrize("how", ["basic", "post"])
def test_bad_client_secret(platform, rp, browser, how):
    verifier, challenge = pkce()
    code = obtain_code(browser, rp[0], challenge)["code"]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": "https://rp.example/callback",
        "code_verifier": verifier,
    }
    if how == "basic":
        answer = browser.post("/oauth/token", data=data, auth=(rp[0], "wrong"))
    else:
        answer = browser.post(
            "/oauth/token", data={**data, "client_id": rp[0], "client_secret": "wrong"}
        )
    assert answer.status_code == 401
    assert answer.json["error"] == "invalid_client"
    assert answer.headers["WWW-Authenticate"].startswith("Basic ")
    assert exchange(browser, rp[0], rp[1], code, verifier).status_code == 200


def test_unknown_and_missing_client(platform, browser):
    answer = browser.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=("nobody", "x")
    )
    assert (answer.status_code, answer.json["error"]) == (401, "invalid_client")
    anonymous = browser.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert (anonymous.status_code, anonymous.json["error"]) == (401, "invalid_client")


def test_a_confidential_client_cannot_skip_its_secret(platform, rp, browser):
    verifier, challenge = pkce()
    code = obtain_code(browser, rp[0], challenge)["code"]
    answer = exchange(browser, rp[0], None, code, verifier)
    assert answer.json["error"] == "invalid_client"


def test_public_client_with_pkce(platform, browser):
    client_id, _ = register_client(platform, public=True)
    tokens = tokens_for(platform, browser, client_id, None)
    assert tokens["id_token"]
    refreshed = refresh(browser, client_id, None, tokens["refresh_token"])
    assert refreshed.status_code == 200


def test_grant_type_errors(platform, rp, browser):
    unsupported = token_request(browser, rp[0], rp[1], {"grant_type": "password", "username": "x"})
    assert unsupported.json["error"] == "unsupported_grant_type"
    missing = token_request(browser, rp[0], rp[1], {})
    assert missing.json["error"] == "invalid_request"
    not_allowed = token_request(browser, rp[0], rp[1], {"grant_type": "client_credentials"})
    assert not_allowed.json["error"] == "unauthorized_client"


def test_refresh_rotates_and_reuse_revokes_the_family(platform, rp, browser):
    first = tokens_for(platform, browser, rp[0], rp[1])
    second = refresh(browser, *rp, first["refresh_token"])
    assert second.status_code == 200
    second = second.json
    assert second["refresh_token"] != first["refresh_token"]
    assert verify_id_token(browser, second["id_token"])["sub"] == platform.users["citizen"].id
    assert "nonce" not in verify_id_token(browser, second["id_token"])
    third = refresh(browser, *rp, second["refresh_token"]).json
    assert userinfo_status(browser, third["access_token"]) == 200
    # The rotated one comes back: someone else holds a copy. Everything of the family dies.
    reused = refresh(browser, *rp, first["refresh_token"])
    assert reused.status_code == 400
    assert reused.json["error"] == "invalid_grant"
    for tokens in (first, second, third):
        assert userinfo_status(browser, tokens["access_token"]) == 401
    latest = refresh(browser, *rp, third["refresh_token"])
    assert latest.json["error"] == "invalid_grant"
    [entry] = audits(platform, "oauth.refresh_reuse")
    assert entry.after["client_id"] == rp[0]
    assert entry.target == platform.users["citizen"].id
    assert first["refresh_token"] not in str(entry.after)
    with platform.context() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(RefreshToken)
                .where(RefreshToken.revoked_at.is_(None))
            )
            == 0
        )
        # Refreshing is not a password sign-in: the throttle never heard of it.
        assert session.scalar(select(func.count()).select_from(LoginThrottle)) == 0


def test_expired_refresh_token_and_access_token(platform, rp, browser, monkeypatch):
    clock = install_clock(monkeypatch)
    tokens = tokens_for(platform, browser, rp[0], rp[1])
    clock.advance(3601)
    assert userinfo_status(browser, tokens["access_token"]) == 401
    clock.advance(30 * 24 * 3600)
    answer = refresh(browser, *rp, tokens["refresh_token"])
    assert answer.json == {
        "error": "invalid_grant",
        "error_description": "The refresh token has expired.",
    }


def test_refresh_may_narrow_but_not_widen_the_scope(platform, rp, browser):
    tokens = tokens_for(platform, browser, rp[0], rp[1], scope="openid profile email")
    wider = refresh(browser, *rp, tokens["refresh_token"], scope="openid phone")
    assert wider.json["error"] == "invalid_scope"
    narrower = refresh(browser, *rp, tokens["refresh_token"], scope="openid")
    assert narrower.json["scope"] == "openid"
    assert (
        "name"
        not in browser.get("/oauth/userinfo", headers=bearer(narrower.json["access_token"])).json
    )
    # The refresh token keeps the whole grant.
    again = refresh(browser, *rp, narrower.json["refresh_token"])
    assert again.json["scope"] == "openid profile email"


def test_refresh_token_of_another_client(platform, rp, browser):
    tokens = tokens_for(platform, browser, rp[0], rp[1])
    other = register_client(platform)
    answer = refresh(browser, *other, tokens["refresh_token"])
    assert answer.json["error"] == "invalid_grant"
    # Not counted as a reuse: the owner's token still works.
    assert refresh(browser, *rp, tokens["refresh_token"]).status_code == 200


def test_client_credentials_for_partner_back_ends(platform):
    client_id, secret = register_client(
        platform,
        kind="partner",
        scope="reports:read reports:write",
        grant_types=("client_credentials",),
    )
    api = platform.client()
    answer = token_request(
        api, client_id, secret, {"grant_type": "client_credentials", "scope": "reports:read"}
    )
    assert answer.status_code == 200
    body = answer.json
    assert body["scope"] == "reports:read"
    assert "refresh_token" not in body and "id_token" not in body
    with platform.context() as session:
        row = session.scalar(select(Token).where(Token.client_id == client_id))
        assert row.user_id is None
    # No user behind it: the user API refuses it as it refuses any token it cannot use.
    me = api.get("/api/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 401
    assert userinfo_status(api, body["access_token"]) == 403
    default = token_request(api, client_id, secret, {"grant_type": "client_credentials"}).json
    assert default["scope"] == "reports:read reports:write"
    for scope in ("openid", "reports:delete"):
        refused = token_request(
            api, client_id, secret, {"grant_type": "client_credentials", "scope": scope}
        )
        assert refused.json["error"] == "invalid_scope"


def test_repeated_parameters_are_refused(platform, rp, browser):
    answer = browser.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": ["a", "b"]},
        auth=(rp[0], rp[1]),
    )
    assert answer.json["error"] == "invalid_request"
