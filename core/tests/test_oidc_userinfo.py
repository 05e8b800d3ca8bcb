"""userinfo: RFC 6750 errors, and only the claims of scopes the token carries and the user
still grants the client's plugin (plus verified_claims at level 2)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sieuapp.core.db import utcnow
from sieuapp.core.identity.assurance.models import IdentityVerification
from sieuapp.core.identity.consent import revoke
from sieuapp.core.identity.models import Consent, User
from sieuapp.core.tenancy.models import Tenant
from sqlalchemy import select

from .oidc_support import (
    bearer,
    register_client,
    token_request,
    tokens_for,
    with_passwords,
)


@pytest.fixture
def platform(make_platform):
    p = make_platform(plugins=[])
    with_passwords(p)
    with p.context() as session:
        user = session.get(User, p.users["citizen"].id)
        user.email = "an@example.vn"
    return p


@pytest.fixture
def rp(platform) -> tuple[str, str]:
    return register_client(platform)


def test_claims_follow_the_scopes(platform, rp, browser):
    only_openid = tokens_for(platform, browser, *rp, scope="openid")
    claims = browser.get("/oauth/userinfo", headers=bearer(only_openid["access_token"])).json
    assert claims == {"sub": platform.users["citizen"].id}
    profile = tokens_for(platform, browser, *rp, scope="openid profile")
    claims = browser.get("/oauth/userinfo", headers=bearer(profile["access_token"])).json
    assert claims == {
        "sub": platform.users["citizen"].id,
        "name": "Nguyễn Văn An",
        "preferred_username": "citizen",
        "locale": "vi",
    }
    # The user consented to email before, but this token does not carry it.
    tokens_for(platform, browser, *rp, scope="openid email")
    again = browser.get("/oauth/userinfo", headers=bearer(profile["access_token"])).json
    assert "email" not in again


def test_a_scope_no_longer_granted_is_not_released(platform, rp, browser):
    tokens = tokens_for(platform, browser, *rp, scope="openid profile email")
    with platform.context() as session:
        row = session.scalar(select(Consent))
        row.scopes = "profile"
    claims = browser.get("/oauth/userinfo", headers=bearer(tokens["access_token"])).json
    assert "email" not in claims and claims["name"] == "Nguyễn Văn An"


def test_revoked_consent_kills_the_tokens(platform, rp, browser):
    tokens = tokens_for(platform, browser, *rp)
    with platform.context() as session:
        assert revoke(
            session, platform.users["citizen"].id, _tenant(session), "hello", actor_id=None
        )
    assert browser.get("/oauth/userinfo", headers=bearer(tokens["access_token"])).status_code == 401
    answer = token_request(
        browser, *rp, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert answer.json["error"] == "invalid_grant"


def _tenant(session) -> int:
    return session.scalar(select(Tenant.id).where(Tenant.slug == "hue"))


def test_post_with_a_form_token(platform, rp, browser):
    tokens = tokens_for(platform, browser, *rp)
    answer = browser.post("/oauth/userinfo", data={"access_token": tokens["access_token"]})
    assert answer.status_code == 200
    assert answer.json["sub"] == platform.users["citizen"].id
    both = browser.post(
        "/oauth/userinfo",
        data={"access_token": tokens["access_token"]},
        headers=bearer(tokens["access_token"]),
    )
    assert both.status_code == 400
    assert both.json["error"] == "invalid_request"


def test_bearer_errors(platform, rp, browser):
    none = browser.get("/oauth/userinfo")
    assert none.status_code == 401
    assert none.headers["WWW-Authenticate"] == 'Bearer realm="http://hue.sieuapp.test"'
    bad = browser.get("/oauth/userinfo", headers=bearer("not-a-token"))
    assert bad.status_code == 401
    assert 'error="invalid_token"' in bad.headers["WWW-Authenticate"]
    assert bad.json["error"] == "invalid_token"
    # A first-party token (password sign-in) has no openid scope.
    app_token = platform.token("citizen")
    scope = browser.get("/oauth/userinfo", headers=bearer(app_token))
    assert scope.status_code == 403


def test_token_without_openid(platform, browser):
    client_id, secret = register_client(platform, scope="openid profile")
    tokens = tokens_for(platform, browser, client_id, secret, scope="profile")
    assert "id_token" not in tokens
    answer = browser.get("/oauth/userinfo", headers=bearer(tokens["access_token"]))
    assert answer.status_code == 403
    assert 'error="insufficient_scope"' in answer.headers["WWW-Authenticate"]


def _verify_identity(platform) -> None:
    with platform.context() as session:
        user = session.get(User, platform.users["citizen"].id)
        user.assurance_level = 2
        session.add(
            IdentityVerification(
                user_id=user.id,
                national_id="046201000123",
                full_name="Nguyễn Văn An",
                birthdate=date(1990, 5, 17),
                provider="registry",
                trust_framework="vn_eid",
                verified_at=utcnow(),
            )
        )


def test_verified_claims_with_the_scope(platform, rp, browser):
    _verify_identity(platform)
    plain = tokens_for(platform, browser, *rp, scope="openid profile")
    assert (
        "verified_claims"
        not in browser.get("/oauth/userinfo", headers=bearer(plain["access_token"])).json
    )
    tokens = tokens_for(platform, browser, *rp, scope="openid verified_claims")
    claims = browser.get("/oauth/userinfo", headers=bearer(tokens["access_token"])).json
    verified = claims["verified_claims"]
    assert verified["verification"]["trust_framework"] == "vn_eid"
    assert verified["claims"] == {"name": "Nguyễn Văn An", "birthdate": "1990-05-17"}


def test_verified_claims_through_the_claims_parameter(platform, rp, browser):
    _verify_identity(platform)
    request = {
        "userinfo": {
            "verified_claims": {"verification": {"trust_framework": None}, "claims": {"name": None}}
        }
    }
    tokens = tokens_for(platform, browser, *rp, scope="openid", claims=json.dumps(request))
    claims = browser.get("/oauth/userinfo", headers=bearer(tokens["access_token"])).json
    assert claims["verified_claims"]["claims"]["name"] == "Nguyễn Văn An"


def test_no_verified_claims_below_level_two(platform, rp, browser):
    tokens = tokens_for(platform, browser, *rp, scope="openid verified_claims")
    claims = browser.get("/oauth/userinfo", headers=bearer(tokens["access_token"])).json
    assert "verified_claims" not in claims
