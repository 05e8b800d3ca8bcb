"""Revocation (RFC 7009) and introspection (RFC 7662)."""

from __future__ import annotations

import pytest
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.identity.models import Token
from sqlalchemy import select, update

from .oidc_support import (
    bearer,
    refresh,
    register_client,
    token_request,
    tokens_for,
)


@pytest.fixture
def rp(platform) -> tuple[str, str]:
    return register_client(platform)


def revoke(client, rp, token: str, hint: str | None = None):
    data = {"token": token, **({"token_type_hint": hint} if hint else {})}
    return token_request(client, rp[0], rp[1], data, path="/oauth/revoke")


def introspect(client, rp, token: str):
    return token_request(client, rp[0], rp[1], {"token": token}, path="/oauth/introspect")


def userinfo_status(client, token: str) -> int:
    return client.get("/oauth/userinfo", headers=bearer(token)).status_code


def test_revoking_an_access_token(platform, rp, browser):
    tokens = tokens_for(platform, browser, *rp)
    answer = revoke(browser, rp, tokens["access_token"], "access_token")
    assert answer.status_code == 200
    assert userinfo_status(browser, tokens["access_token"]) == 401
    # The refresh token lives on (RFC 7009 2.1 leaves it to the server; we keep it).
    refreshed = refresh(browser, *rp, tokens["refresh_token"])
    assert refreshed.status_code == 200
    with platform.context() as session:
        [entry] = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "auth.token_revoked")
        ).all()
    assert entry.after["token_type"] == "access_token"
    assert entry.target == platform.users["citizen"].id
    assert tokens["access_token"] not in str(entry.after)


def test_revoking_a_refresh_token_revokes_its_family(platform, rp, browser):
    tokens = tokens_for(platform, browser, *rp)
    # No hint, or a wrong one: the server looks everywhere.
    assert revoke(browser, rp, tokens["refresh_token"], "access_token").status_code == 200
    assert userinfo_status(browser, tokens["access_token"]) == 401
    again = refresh(browser, *rp, tokens["refresh_token"])
    assert again.json["error"] == "invalid_grant"


def test_unknown_tokens_answer_200(platform, rp, browser):
    assert revoke(browser, rp, "never-issued").status_code == 200
    tokens = tokens_for(platform, browser, *rp)
    assert revoke(browser, rp, tokens["access_token"]).status_code == 200
    assert revoke(browser, rp, tokens["access_token"]).status_code == 200  # already revoked


def test_revocation_needs_client_authentication(platform, rp, browser):
    tokens = tokens_for(platform, browser, *rp)
    anonymous = browser.post("/oauth/revoke", data={"token": tokens["access_token"]})
    assert anonymous.status_code == 401
    assert anonymous.json["error"] == "invalid_client"
    wrong = browser.post(
        "/oauth/revoke", data={"token": tokens["access_token"]}, auth=(rp[0], "wrong")
    )
    assert wrong.status_code == 401
    missing = token_request(browser, *rp, {}, path="/oauth/revoke")
    assert missing.json["error"] == "invalid_request"
    assert userinfo_status(browser, tokens["access_token"]) == 200


def test_another_clients_token_is_not_revoked(platform, rp, browser):
    tokens = tokens_for(platform, browser, *rp)
    other = register_client(platform)
    answer = revoke(browser, other, tokens["access_token"])
    assert answer.status_code == 400
    assert answer.json["error"] == "invalid_grant"
    assert userinfo_status(browser, tokens["access_token"]) == 200


def test_introspection_of_own_tokens(platform, rp, browser):
    tokens = tokens_for(platform, browser, *rp)
    body = introspect(browser, rp, tokens["access_token"]).json
    assert body["active"] is True
    assert body["scope"] == "openid profile"
    assert body["client_id"] == rp[0]
    assert body["sub"] == platform.users["citizen"].id
    assert body["username"] == "citizen"
    assert body["token_type"] == "Bearer"
    assert body["iss"] == "http://hue.sieuapp.test"
    assert body["exp"] - body["iat"] == 3600
    assert "act" not in body
    refresh = introspect(browser, rp, tokens["refresh_token"]).json
    assert refresh["active"] is True and refresh["token_type"] == "refresh_token"


def test_introspection_of_another_clients_token(platform, rp, browser):
    tokens = tokens_for(platform, browser, *rp)
    other = register_client(platform)
    assert introspect(browser, other, tokens["access_token"]).json == {"active": False}
    assert introspect(browser, other, tokens["refresh_token"]).json == {"active": False}


def test_introspection_of_dead_tokens(platform, rp, browser):
    tokens = tokens_for(platform, browser, *rp)
    refreshed = refresh(browser, *rp, tokens["refresh_token"]).json
    assert introspect(browser, rp, tokens["refresh_token"]).json == {"active": False}  # rotated
    revoke(browser, rp, refreshed["access_token"])
    assert introspect(browser, rp, refreshed["access_token"]).json == {"active": False}
    assert introspect(browser, rp, "garbage").json == {"active": False}


def test_introspection_shows_the_agent(platform, rp, browser):
    tokens = tokens_for(platform, browser, *rp)
    agent = platform.users["official"].id
    with platform.context() as session:
        session.execute(update(Token).values(actor_id=agent))
    assert introspect(browser, rp, tokens["access_token"]).json["act"] == {"sub": agent}


def test_public_clients_cannot_introspect(platform, browser):
    client_id, _ = register_client(platform, public=True)
    tokens = tokens_for(platform, browser, client_id, None)
    answer = browser.post(
        "/oauth/introspect", data={"client_id": client_id, "token": tokens["access_token"]}
    )
    assert answer.status_code == 401
    assert answer.json["error"] == "invalid_client"
    # A public client may revoke its own tokens with its client_id (RFC 7009 2.1).
    revoked = browser.post(
        "/oauth/revoke", data={"client_id": client_id, "token": tokens["access_token"]}
    )
    assert revoked.status_code == 200
    assert userinfo_status(browser, tokens["access_token"]) == 401


def test_partner_token_introspection(platform):
    client_id, secret = register_client(
        platform, kind="partner", scope="reports:read", grant_types=("client_credentials",)
    )
    api = platform.client()
    token = token_request(api, client_id, secret, {"grant_type": "client_credentials"}).json[
        "access_token"
    ]
    body = introspect(api, (client_id, secret), token).json
    assert body["active"] is True
    assert "sub" not in body and "username" not in body
