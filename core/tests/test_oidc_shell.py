"""The web shell's first-party client: made with every tenant, code + PKCE with its redirect
URI a path on the serving origin, no consent page, first-party tokens; and RFC 8693 token
exchange from its token to a token bound to one enabled plugin."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.db import utcnow
from sieuapp.core.identity import accounts, consent
from sieuapp.core.identity.browser import LOGIN_KEY
from sieuapp.core.identity.models import Consent, Token, User
from sieuapp.core.identity.oidc import clients
from sieuapp.core.identity.oidc.models import OAuthClient
from sieuapp.core.identity.oidc.shell_client import ensure_shell_client, shell_client_id
from sieuapp.core.identity.principal import ENROLMENT_SCOPE, token_digest
from sieuapp.core.tenancy.context import current_tenant
from sieuapp.core.tenancy.provinces import create_tenant
from sieuapp.sdk import Role
from sqlalchemy import delete, func, select

from .oidc_support import (
    bearer,
    consenting_plugin,
    pkce,
    query_of,
    register_client,
    sign_in,
    with_passwords,
)

SHELL = "shell-hue"
ORIGIN = "http://hue.sieuapp.test"
CALLBACK = ORIGIN + "/app/callback"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS = "urn:ietf:params:oauth:token-type:access_token"


@pytest.fixture
def platform(make_platform, synthetic):
    synthetic("xeom", consenting_plugin("xeom"))
    synthetic("nuoc", consenting_plugin("nuoc"))
    p = make_platform(plugins=["xeom", "nuoc"], entry_points=synthetic.entry_points())
    return with_passwords(p)


# -- helpers ---------------------------------------------------------------------------------


def shell_params(challenge: str | None, **extra: Any) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": SHELL,
        "redirect_uri": CALLBACK,
        "scope": "openid profile offline_access",
        "state": "st-shell",
        "nonce": "n-shell",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    params.update(extra)
    return {k: v for k, v in params.items() if v is not None}


def shell_tokens(browser) -> dict[str, Any]:
    """The shell's whole sign-in: authorize (no consent page) and the code for tokens."""
    verifier, challenge = pkce()
    answer = browser.get("/oauth/authorize", query_string=shell_params(challenge))
    assert answer.status_code == 302, answer.text
    assert answer.headers["Location"].startswith(CALLBACK + "?")
    code = query_of(answer.headers["Location"])["code"]
    tokens = browser.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "client_id": SHELL,
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        },
    )
    assert tokens.status_code == 200, tokens.text
    return tokens.json


def plugin_client(platform, plugin_id: str) -> str:
    with platform.context() as session:
        return session.scalar(
            select(OAuthClient.client_id).where(
                OAuthClient.kind == "plugin", OAuthClient.plugin_id == plugin_id
            )
        )


def exchange(client, subject: str | None, audience: str | None, **extra: str | None):
    data = {
        "grant_type": EXCHANGE,
        "client_id": SHELL,
        "subject_token": subject,
        "subject_token_type": ACCESS,
        "audience": audience,
        **extra,
    }
    return client.post("/oauth/token", data={k: v for k, v in data.items() if v is not None})


def grant_consent(platform, plugin_id: str, *scopes: str) -> None:
    answer = platform.client(Role.CITIZEN).post(
        f"/api/v1/me/consents/{plugin_id}", json={"scopes": list(scopes)}
    )
    assert answer.status_code in (200, 201), answer.text


def app_token(platform, role: str = Role.CITIZEN, ttl: int = 3600, **fields: Any) -> str:
    """A token of the app's own sign-in (``sieuapp-app``), with ``fields`` set on its row."""
    with platform.context() as session:
        user = session.get(User, platform.users[role].id)
        secret, token = accounts.issue_token(session, user, current_tenant().id, ttl)
        for name, value in fields.items():
            setattr(token, name, value)
    return secret


def counts(platform) -> tuple[int, int]:
    with platform.context() as session:
        return (
            session.scalar(select(func.count()).select_from(Token)),
            session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "oauth.token_exchanged")
            ),
        )


def audits(platform, action: str, target: str | None = None) -> list[AuditEntry]:
    with platform.context() as session:
        query = select(AuditEntry).where(AuditEntry.action == action)
        if target is not None:
            query = query.where(AuditEntry.target == target)
        return list(session.scalars(query))


def assert_error(answer, error: str, mentions: str | None = None) -> None:
    assert answer.status_code in (400, 401), answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.json["error"] == error, answer.json
    if mentions is not None:
        assert mentions in answer.json["error_description"], answer.json


# -- the client ------------------------------------------------------------------------------


def test_every_tenant_gets_its_shell_client_once(platform):
    with platform.context() as session:
        shell = session.scalar(select(OAuthClient).where(OAuthClient.client_id == SHELL))
        assert shell.kind == "first_party" and shell.plugin_id is None
        assert shell.secret_hash is None and shell.token_endpoint_auth_method == "none"
        assert shell.redirect_uris == ["/app/callback"]
        assert shell.post_logout_redirect_uris == ["/"]
        assert shell.grant_types == ["authorization_code", "refresh_token", EXCHANGE]
        assert shell.scope == "openid profile offline_access"
        assert shell.name == "sieuapp"
        # Idempotent: the same client, no second audit entry.
        assert ensure_shell_client(session, shell.tenant_id).id == shell.id
        assert shell_client_id(session, current_tenant()) == SHELL
        create_tenant(session, "danang", 48)
    (created,) = audits(platform, "oauth.client_created", SHELL)
    assert created.actor_label == "platform" and created.after["kind"] == "first_party"
    with platform.context("danang") as session:
        assert shell_client_id(session, current_tenant()) == "shell-danang"
    assert len(audits(platform, "oauth.client_created", "shell-danang")) == 1


def test_a_tenant_older_than_the_shell_gets_its_client_when_asked(platform):
    with platform.context() as session:
        session.execute(delete(OAuthClient).where(OAuthClient.client_id == SHELL))
    with platform.context() as session:
        assert shell_client_id(session, current_tenant()) == SHELL
    with platform.context() as session:
        assert session.scalar(select(OAuthClient.kind).where(OAuthClient.client_id == SHELL)) == (
            "first_party"
        )
    assert len(audits(platform, "oauth.client_created", SHELL)) == 2  # at creation, and now


# -- signing in ------------------------------------------------------------------------------


def test_the_shell_signs_in_with_code_and_pkce_and_no_consent_page(platform, browser):
    body = shell_tokens(browser)
    assert body["token_type"] == "Bearer" and body["scope"] == "openid profile offline_access"
    assert body["refresh_token"] and body["id_token"]
    me = platform.client().get("/api/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200, me.text
    info = browser.get("/oauth/userinfo", headers=bearer(body["access_token"]))
    assert info.json["name"] == "Nguyễn Văn An"  # first party: no consent to consult
    with platform.context() as session:
        assert session.scalar(select(func.count()).select_from(Consent)) == 0
    assert audits(platform, "consent.granted") == []
    # A public client's refresh rotates, as any client's does.
    refreshed = browser.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": SHELL,
            "refresh_token": body["refresh_token"],
        },
    )
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json["refresh_token"] != body["refresh_token"]


def test_prompt_consent_shows_no_page_to_the_shell(browser):
    _, challenge = pkce()
    answer = browser.get("/oauth/authorize", query_string=shell_params(challenge, prompt="consent"))
    assert answer.status_code == 302 and "code" in query_of(answer.headers["Location"])


def test_the_same_client_serves_any_host_and_port(platform):
    browser = platform.client()
    base = "http://hue.sieuapp.test:8443/"
    sign_in_at = browser.get("/auth/login", base_url=base)
    assert sign_in_at.status_code == 200
    sign_in(browser)
    _, challenge = pkce()
    answer = browser.get(
        "/oauth/authorize",
        query_string=shell_params(
            challenge, redirect_uri="http://hue.sieuapp.test:8443/app/callback"
        ),
        base_url=base,
    )
    assert answer.status_code == 302, answer.text
    location = answer.headers["Location"]
    assert location.startswith("http://hue.sieuapp.test:8443/app/callback?code=")
    assert query_of(location)["iss"] == "http://hue.sieuapp.test:8443"


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "/app/callback",  # the registered path itself: a redirect URI is absolute
        "https://evil.example/app/callback",
        "https://hue.sieuapp.test/app/callback",  # another scheme: another origin
        "http://hue.sieuapp.test:8443/app/callback",  # another port than the request's
        "http://danang.sieuapp.test/app/callback",
        "http://hue.sieuapp.test/app/callback/more",
        "http://hue.sieuapp.test/app/callback?x=1",
        "http://hue.sieuapp.test/",  # the post-logout path is not a redirect URI
        "//evil.example/app/callback",
    ],
)
def test_any_other_redirect_uri_gets_a_page(browser, redirect_uri):
    _, challenge = pkce()
    answer = browser.get(
        "/oauth/authorize", query_string=shell_params(challenge, redirect_uri=redirect_uri)
    )
    assert answer.status_code == 400
    assert "Location" not in answer.headers


def test_only_first_party_clients_have_relative_redirect_uris(platform, browser):
    client_id, _ = register_client(platform, plugin_id="xeom")
    with platform.context() as session:
        row = session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
        row.redirect_uris = ["/app/callback"]
    _, challenge = pkce()
    answer = browser.get(
        "/oauth/authorize", query_string=shell_params(challenge, client_id=client_id)
    )
    assert answer.status_code == 400 and "Location" not in answer.headers
    admin = platform.client(Role.PROVINCE_ADMIN)
    refused = admin.put(
        f"/api/v1/admin/oauth/clients/{plugin_client(platform, 'xeom')}",
        json={"redirect_uris": ["/cb"]},
    )
    assert refused.status_code == 422 and "redirect_uris[0]" in refused.json["errors"]
    kept = admin.put(
        f"/api/v1/admin/oauth/clients/{SHELL}",
        json={"redirect_uris": ["/app/callback", "/app/cb2"]},
    )
    assert kept.status_code == 200, kept.text
    assert kept.json["redirect_uris"] == ["/app/callback", "/app/cb2"]
    for bad in ("//evil.example/cb", "/a/../b", "/a#b", "/a\\b"):
        answer = admin.put(f"/api/v1/admin/oauth/clients/{SHELL}", json={"redirect_uris": [bad]})
        assert answer.status_code == 422, bad


def test_pkce_is_required(platform, browser):
    verifier, challenge = pkce()
    for params in (
        shell_params(None),
        shell_params(verifier, code_challenge_method="plain"),
        shell_params(challenge, code_challenge_method=None),
    ):
        answer = browser.get("/oauth/authorize", query_string=params)
        assert answer.status_code == 302
        error = query_of(answer.headers["Location"])
        assert answer.headers["Location"].startswith(CALLBACK + "?")
        assert (
            error["error"] == "invalid_request" and "code_challenge" in error["error_description"]
        )
        assert error["state"] == "st-shell"
    code = query_of(
        browser.get("/oauth/authorize", query_string=shell_params(challenge)).headers["Location"]
    )["code"]
    without = browser.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "client_id": SHELL,
            "code": code,
            "redirect_uri": CALLBACK,
        },
    )
    assert_error(without, "invalid_request", "code_verifier")


def test_a_signed_out_browser_is_sent_to_log_in_or_told(platform):
    _, challenge = pkce()
    browser = platform.client()
    answer = browser.get("/oauth/authorize", query_string=shell_params(challenge))
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/auth/login?")
    silent = browser.get("/oauth/authorize", query_string=shell_params(challenge, prompt="none"))
    assert query_of(silent.headers["Location"])["error"] == "login_required"


def test_the_shell_client_is_public(platform, browser):
    verifier, challenge = pkce()
    code = query_of(
        browser.get("/oauth/authorize", query_string=shell_params(challenge)).headers["Location"]
    )["code"]
    with_secret = browser.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "client_id": SHELL,
            "client_secret": "guess",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        },
    )
    assert_error(with_secret, "invalid_client")


def test_a_login_without_the_accounts_second_factor_is_made_again(make_platform):
    platform = with_passwords(make_platform(plugins=[], mfa_roles=("province_admin",)))
    browser = platform.client()
    with platform.context():
        tenant_id = current_tenant().id
    with browser.session_transaction() as cookie:
        # As a federated sign-in leaves it: no second factor.
        cookie[LOGIN_KEY] = {
            "u": platform.users[Role.PROVINCE_ADMIN].id,
            "t": tenant_id,
            "at": int(utcnow().timestamp()),
            "acr": "urn:sieuapp:loa:0",
            "amr": ["fed"],
            "sid": "sid-fed",
        }
    _, challenge = pkce()
    answer = browser.get("/oauth/authorize", query_string=shell_params(challenge))
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/auth/login?")
    silent = browser.get("/oauth/authorize", query_string=shell_params(challenge, prompt="none"))
    assert query_of(silent.headers["Location"])["error"] == "login_required"


def test_logout_returns_to_the_shells_path(platform, browser):
    body = shell_tokens(browser)
    answer = browser.get(
        "/oauth/logout",
        query_string={
            "id_token_hint": body["id_token"],
            "post_logout_redirect_uri": ORIGIN + "/",
            "state": "bye",
        },
    )
    assert answer.status_code == 302 and answer.headers["Location"] == ORIGIN + "/?state=bye"
    elsewhere = browser.get(
        "/oauth/logout",
        query_string={"client_id": SHELL, "post_logout_redirect_uri": "https://evil.example/"},
    )
    assert elsewhere.status_code == 400


# -- token exchange --------------------------------------------------------------------------


def test_discovery_lists_the_exchange_grant(platform):
    doc = platform.client().get("/.well-known/openid-configuration").json
    assert EXCHANGE in doc["grant_types_supported"]


def test_the_shell_exchanges_its_token_for_a_plugins(platform, browser):
    shell = shell_tokens(browser)
    # The shell's token is first party: it grants consent through the core's API.
    consented = browser.post(
        "/api/v1/me/consents/xeom",
        json={"scopes": ["profile"]},
        headers=bearer(shell["access_token"]),
    )
    assert consented.status_code in (200, 201), consented.text
    xeom = plugin_client(platform, "xeom")
    answer = exchange(browser, shell["access_token"], xeom)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.json
    assert set(body) == {"access_token", "issued_token_type", "token_type", "expires_in", "scope"}
    assert body["issued_token_type"] == ACCESS and body["token_type"] == "Bearer"
    assert body["scope"] == "openid profile"
    assert 0 < body["expires_in"] <= 3600
    token = body["access_token"]

    anyone = platform.client()
    seen = anyone.get("/m/xeom/me", headers=bearer(token))
    assert seen.status_code == 200, seen.text
    assert seen.json["claims"]["name"] == "Nguyễn Văn An"
    assert anyone.get("/api/v1/me", headers=bearer(token)).status_code == 403
    assert anyone.get("/m/nuoc/me", headers=bearer(token)).status_code == 403

    with platform.context() as session:
        row = session.scalar(select(Token).where(Token.token_hash == token_digest(token)))
        subject = session.scalar(
            select(Token).where(Token.token_hash == token_digest(shell["access_token"]))
        )
        assert row.client_id == xeom and row.user_id == platform.users[Role.CITIZEN].id
        assert row.expires_at <= subject.expires_at
        assert row.family_id == subject.family_id
        secret = clients.rotate_secret(
            session,
            session.scalar(select(OAuthClient).where(OAuthClient.client_id == xeom)),
            actor=clients.PLATFORM,
        )
    (entry,) = audits(platform, "oauth.token_exchanged")
    assert entry.target == platform.users[Role.CITIZEN].id and entry.plugin_id == "xeom"
    assert entry.after["audience"] == xeom and entry.after["client_id"] == SHELL
    assert token not in str(entry.after) and shell["access_token"] not in str(entry.after)

    # The plugin's back-end sees it as its own token, and may revoke it.
    seen_by_plugin = anyone.post("/oauth/introspect", data={"token": token}, auth=(xeom, secret))
    assert seen_by_plugin.json["active"] is True and seen_by_plugin.json["client_id"] == xeom
    anyone.post("/oauth/revoke", data={"token": token}, auth=(xeom, secret))
    assert anyone.get("/m/xeom/me", headers=bearer(token)).status_code == 401

    # The shell signing out (revoking its access token) takes the plugin's tokens along, and
    # its refresh token: they are one family.
    again = exchange(browser, shell["access_token"], "xeom").json["access_token"]
    revoked = browser.post(
        "/oauth/revoke", data={"client_id": SHELL, "token": shell["access_token"]}
    )
    assert revoked.status_code == 200
    assert anyone.get("/m/xeom/me", headers=bearer(again)).status_code == 401
    assert anyone.get("/api/v1/me", headers=bearer(shell["access_token"])).status_code == 401
    refresh = browser.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": SHELL,
            "refresh_token": shell["refresh_token"],
        },
    )
    assert refresh.json["error"] == "invalid_grant"


def test_the_audience_may_be_the_plugin_id_and_the_scope_narrower(platform, browser):
    with platform.context() as session:
        # As the consent page records it when the plugin's own client asks for offline_access.
        consent.grant(
            session,
            platform.users[Role.CITIZEN].id,
            current_tenant().id,
            "xeom",
            ["profile", "phone", "offline_access"],
        )
    subject = shell_tokens(browser)["access_token"]
    by_id = exchange(browser, subject, "xeom")
    assert by_id.json["scope"] == "openid profile phone"  # no offline_access: no refresh
    narrower = exchange(browser, subject, "xeom", scope="phone")
    assert narrower.json["scope"] == "phone"
    wider = exchange(browser, subject, "xeom", scope="phone xeom.trips")
    assert_error(wider, "invalid_scope", "xeom.trips")
    # Without any consent the plugin learns who the user is, and nothing else.
    nothing = exchange(browser, subject, "nuoc")
    assert nothing.json["scope"] == "openid"
    seen = platform.client().get("/m/nuoc/me", headers=bearer(nothing.json["access_token"]))
    assert seen.json["claims"] == {"sub": platform.users[Role.CITIZEN].id}


def test_the_app_sign_in_token_may_be_exchanged_and_caps_the_lifetime(platform):
    subject = app_token(platform, ttl=120)
    answer = exchange(platform.client(), subject, "xeom")
    assert answer.status_code == 200, answer.text
    assert answer.json["expires_in"] <= 120


def test_a_consent_withdrawn_revokes_exchanged_tokens(platform, browser):
    grant_consent(platform, "xeom", "profile")
    token = exchange(browser, shell_tokens(browser)["access_token"], "xeom").json["access_token"]
    citizen = platform.client(Role.CITIZEN)
    assert citizen.delete("/api/v1/me/consents/xeom").status_code == 204
    assert platform.client().get("/m/xeom/me", headers=bearer(token)).status_code == 401


def _subject(platform, browser, kind: str) -> str:
    """A subject token the exchange must refuse."""
    if kind == "garbage":
        return "not-a-token"
    if kind == "revoked":
        return app_token(platform, revoked_at=utcnow())
    if kind == "expired":
        return app_token(platform, expires_at=utcnow() - timedelta(seconds=1))
    if kind == "plugin_token":
        grant_consent(platform, "xeom", "profile")
        shell = shell_tokens(browser)["access_token"]
        return exchange(browser, shell, "xeom").json["access_token"]
    if kind == "partner_token":
        return app_token(platform, client_id=register_client(platform, kind="partner")[0])
    if kind == "client_credentials":
        return app_token(platform, user_id=None)
    if kind == "agent":
        return app_token(platform, actor_id=platform.users[Role.OFFICIAL].id)
    if kind == "enrolment":
        return app_token(platform, scope=ENROLMENT_SCOPE)
    if kind == "other_tenant":
        with platform.context() as session:
            create_tenant(session, "danang", 48)
        with platform.context("danang") as session:
            user = session.get(User, platform.users[Role.CITIZEN].id)
            secret, _ = accounts.issue_token(session, user, current_tenant().id, 600)
        return secret
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    [
        "garbage",
        "revoked",
        "expired",
        "plugin_token",
        "partner_token",
        "client_credentials",
        "agent",
        "enrolment",
        "other_tenant",
    ],
)
def test_a_subject_token_that_is_not_a_users_own_first_party_token_is_refused(
    platform, browser, kind
):
    subject = _subject(platform, browser, kind)
    before = counts(platform)
    answer = exchange(browser, subject, "xeom")
    assert_error(answer, "invalid_request", "subject_token")
    assert counts(platform) == before


@pytest.mark.parametrize(
    ("change", "error", "mentions"),
    [
        ({"subject_token": None}, "invalid_request", "subject_token is required"),
        ({"subject_token_type": None}, "invalid_request", "subject_token_type is required"),
        ({"audience": None}, "invalid_request", "audience is required"),
        (
            {"subject_token_type": "urn:ietf:params:oauth:token-type:id_token"},
            "invalid_request",
            "subject_token_type",
        ),
        (
            {"requested_token_type": "urn:ietf:params:oauth:token-type:refresh_token"},
            "invalid_request",
            "requested_token_type",
        ),
        ({"actor_token": "x", "actor_token_type": ACCESS}, "invalid_request", "actor_token"),
        ({"resource": "http://hue.sieuapp.test/m/xeom/"}, "invalid_target", "resource"),
        ({"audience": "nobody"}, "invalid_target", "audience"),
        ({"audience": SHELL}, "invalid_target", "audience"),
        (
            {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"},
            "unsupported_grant_type",
            None,
        ),
        ({"client_id": "nobody"}, "invalid_client", None),
        ({"scope": ""}, "invalid_scope", "scope"),
    ],
)
def test_bad_exchange_requests_name_what_is_wrong_and_write_nothing(
    platform, browser, change, error, mentions
):
    subject = shell_tokens(browser)["access_token"]
    before = counts(platform)
    data = {
        "grant_type": EXCHANGE,
        "client_id": SHELL,
        "subject_token": subject,
        "subject_token_type": ACCESS,
        "audience": "xeom",
        **change,
    }
    answer = browser.post("/oauth/token", data={k: v for k, v in data.items() if v is not None})
    assert_error(answer, error, mentions)
    assert counts(platform) == before


def test_a_disabled_plugin_or_its_disabled_client_is_no_target(platform, browser):
    subject = shell_tokens(browser)["access_token"]
    platform.disable("nuoc")
    before = counts(platform)
    assert_error(exchange(browser, subject, "nuoc"), "invalid_target", "nuoc")
    with platform.context() as session:
        row = session.scalar(select(OAuthClient).where(OAuthClient.plugin_id == "xeom"))
        clients.disable(session, row, actor=clients.PLATFORM)
    assert_error(exchange(browser, subject, "xeom"), "invalid_target", "xeom")
    assert counts(platform) == before


def test_only_a_first_party_client_may_exchange(platform, browser):
    subject = shell_tokens(browser)["access_token"]
    before = counts(platform)
    # A plugin's confidential client, authenticated: the grant is not among its grants.
    xeom = plugin_client(platform, "xeom")
    with platform.context() as session:
        row = session.scalar(select(OAuthClient).where(OAuthClient.client_id == xeom))
        secret = clients.rotate_secret(session, row, actor=clients.PLATFORM)
    data = {
        "grant_type": EXCHANGE,
        "subject_token": subject,
        "subject_token_type": ACCESS,
        "audience": "nuoc",
    }
    assert_error(
        browser.post("/oauth/token", data=data, auth=(xeom, secret)), "unauthorized_client"
    )
    # Even a client that somehow lists the grant, unless it is first party.
    public_id, _ = register_client(
        platform, plugin_id="xeom", public=True, grant_types=("authorization_code", EXCHANGE)
    )
    answer = browser.post("/oauth/token", data={**data, "client_id": public_id})
    assert_error(answer, "unauthorized_client", "platform")
    # The shell disabled by the province: unknown at the token endpoint.
    with platform.context() as session:
        shell = session.scalar(select(OAuthClient).where(OAuthClient.client_id == SHELL))
        clients.disable(session, shell, actor=clients.PLATFORM)
    assert_error(exchange(browser, subject, "xeom"), "invalid_client")
    assert counts(platform)[1] == before[1]
