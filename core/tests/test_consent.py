"""The consent store and the caller's consent API: grants merge, revoking withdraws the data
and every token of that plugin, and nothing else."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.db import utcnow
from sieuapp.core.identity import accounts, consent
from sieuapp.core.identity.models import Consent, Token, User
from sieuapp.core.identity.oidc import clients
from sieuapp.core.identity.oidc.models import AuthorizationCode, OAuthClient, RefreshToken
from sieuapp.core.identity.principal import token_digest
from sieuapp.core.tenancy.context import current_tenant
from sieuapp.core.tenancy.models import Organization
from sieuapp.sdk import Role
from sqlalchemy import select

from .oidc_support import consenting_plugin


@pytest.fixture
def platform(make_platform, synthetic):
    taxi = consenting_plugin("taxi", "Để tài xế gọi tên bạn", "So the driver knows your name")
    synthetic("taxi", taxi)
    synthetic("water", consenting_plugin("water", "Để in hoá đơn", "To print your bill"))
    return make_platform(plugins=["taxi", "water"], entry_points=synthetic.entry_points())


def ids(platform) -> tuple[str, int]:
    with platform.context():
        return platform.users[Role.CITIZEN].id, current_tenant().id


def client_of(platform, plugin_id: str) -> str:
    with platform.context() as session:
        return session.scalar(
            select(OAuthClient.client_id).where(OAuthClient.plugin_id == plugin_id)
        )


def grant(platform, plugin_id: str, *scopes: str, user_role: str = Role.CITIZEN) -> None:
    user_id = platform.users[user_role].id
    _, tenant_id = ids(platform)
    with platform.context() as session:
        consent.grant(session, user_id, tenant_id, plugin_id, scopes)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def issue(platform, client_id: str, user_role: str = Role.CITIZEN) -> str:
    """An access token of ``client_id`` for the user, as the token endpoint stores one."""
    _, tenant_id = ids(platform)
    with platform.context() as session:
        user = session.get(User, platform.users[user_role].id)
        secret, _ = accounts.issue_token(
            session, user, tenant_id, 3600, client_id=client_id, scope="openid profile"
        )
    return secret


def refresh(platform, client_id: str, user_role: str = Role.CITIZEN) -> str:
    _, tenant_id = ids(platform)
    secret = f"refresh-{client_id}-{user_role}"
    with platform.context() as session:
        session.add(
            RefreshToken(
                token_hash=token_digest(secret),
                family_id=f"fam{client_id[-8:]}{user_role[:4]}",
                client_id=client_id,
                tenant_id=tenant_id,
                user_id=platform.users[user_role].id,
                scope="openid profile offline_access",
                auth_time=utcnow(),
                expires_at=utcnow() + timedelta(days=30),
            )
        )
    return secret


def refresh_revoked(platform, secret: str) -> bool:
    with platform.context() as session:
        row = session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == token_digest(secret))
        )
        return row.revoked_at is not None


def audits(platform, action: str) -> list[AuditEntry]:
    with platform.context() as session:
        return list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )


# -- the store ------------------------------------------------------------------------------


def test_grants_merge_into_one_row_and_are_audited(platform):
    user_id, tenant_id = ids(platform)
    grant(platform, "taxi", "openid", "profile")
    grant(platform, "taxi", "profile", "phone")
    grant(platform, "taxi", "phone")  # nothing new: no audit entry
    with platform.context() as session:
        consent.grant(session, user_id, tenant_id, "taxi", "openid phone")  # as OAuth writes it
    with platform.context() as session:
        rows = session.scalars(select(Consent).where(Consent.plugin_id == "taxi")).all()
        assert len(rows) == 1
        assert consent.granted_scopes(session, user_id, tenant_id, "taxi") == {
            "openid",
            "profile",
            "phone",
        }
        assert consent.granted_scopes(session, user_id, tenant_id, "water") == frozenset()
    granted = audits(platform, "consent.granted")
    assert [e.after["added"] for e in granted] == [["openid", "profile"], ["phone"]]
    assert granted[-1].after["scopes"] == ["openid", "phone", "profile"]
    assert all(e.actor_id == user_id and e.plugin_id == "taxi" for e in granted)


def test_a_grant_after_a_revocation_starts_from_nothing(platform):
    user_id, tenant_id = ids(platform)
    grant(platform, "taxi", "openid", "profile", "phone")
    with platform.context() as session:
        assert consent.revoke(session, user_id, tenant_id, "taxi", actor_id=None)
        assert consent.granted_scopes(session, user_id, tenant_id, "taxi") == frozenset()
        assert not consent.revoke(session, user_id, tenant_id, "taxi", actor_id=None)
    grant(platform, "taxi", "openid")
    with platform.context() as session:
        assert consent.granted_scopes(session, user_id, tenant_id, "taxi") == {"openid"}
        assert len(session.scalars(select(Consent)).all()) == 1


def test_an_agent_granting_for_a_citizen_is_audited_as_both(platform):
    user_id, tenant_id = ids(platform)
    agent_id = platform.users[Role.OFFICIAL].id
    with platform.context() as session:
        consent.grant(session, user_id, tenant_id, "taxi", ["openid"], actor_id=agent_id)
    (entry,) = audits(platform, "consent.granted")
    assert (entry.actor_id, entry.on_behalf_of, entry.actor_label) == (
        agent_id,
        user_id,
        "official",
    )


def test_scope_purposes_are_the_standard_ones_plus_the_plugins_own(platform):
    _, tenant_id = ids(platform)
    with platform.context():
        taxi = consent.scope_purposes(tenant_id, "taxi")
        water = consent.scope_purposes(tenant_id, "water")
        standard = consent.scope_purposes(tenant_id, None)
    assert (
        set(standard)
        == set(consent.STANDARD_SCOPES)
        == {
            "openid",
            "profile",
            "email",
            "phone",
            "offline_access",
            "verified_claims",
        }
    )
    assert taxi["profile"].en == "So the driver knows your name"
    assert water["profile"].vi == "Để in hoá đơn"
    assert taxi["taxi.trips"].vi == "Xem chuyến đi"
    assert "taxi.trips" not in water
    assert taxi["email"] == consent.STANDARD_SCOPES["email"]
    for text in consent.STANDARD_SCOPES.values():
        assert text.vi and text.en and text.vi != text.en


# -- what a plugin reads --------------------------------------------------------------------


def test_plugin_services_release_only_the_claims_of_granted_scopes(platform):
    citizen = platform.client(Role.CITIZEN)
    user_id, tenant_id = ids(platform)
    nothing = citizen.get("/m/taxi/me").json
    assert nothing == {"claims": {"sub": user_id}, "scopes": []}

    grant(platform, "taxi", "openid", "profile")
    profile = citizen.get("/m/taxi/me").json
    assert profile["scopes"] == ["openid", "profile"]
    assert profile["claims"]["name"] == "Nguyễn Văn An"
    assert "phone_number" not in profile["claims"]
    # Another plugin gets nothing from taxi's consent.
    assert citizen.get("/m/water/me").json["claims"] == {"sub": user_id}

    grant(platform, "taxi", "phone")
    assert citizen.get("/m/taxi/me").json["claims"]["phone_number"] == "0905000000"

    assert citizen.delete("/api/v1/me/consents/taxi").status_code == 204
    assert citizen.get("/m/taxi/me").json == {"claims": {"sub": user_id}, "scopes": []}


# -- revoking -------------------------------------------------------------------------------


def test_revoking_kills_that_plugins_tokens_and_no_others(platform):
    taxi, water = client_of(platform, "taxi"), client_of(platform, "water")
    grant(platform, "taxi", "openid", "profile")
    grant(platform, "water", "openid", "profile")
    taxi_token, water_token = issue(platform, taxi), issue(platform, water)
    taxi_refresh, water_refresh = refresh(platform, taxi), refresh(platform, water)
    # The same plugin's tokens of another user stay.
    grant(platform, "taxi", "openid", user_role=Role.OFFICIAL)
    other_user = issue(platform, taxi, Role.OFFICIAL)
    me = platform.client()
    for path, token in (("taxi", taxi_token), ("water", water_token), ("taxi", other_user)):
        assert me.get(f"/m/{path}/me", headers=bearer(token)).status_code == 200

    citizen = platform.client(Role.CITIZEN)
    assert citizen.delete("/api/v1/me/consents/taxi").status_code == 204

    refused = me.get("/api/v1/me", headers=bearer(taxi_token))
    assert refused.status_code == 401
    assert refused.json["code"] == "unauthorized"
    assert me.get("/m/taxi/me", headers=bearer(taxi_token)).status_code == 401
    assert me.get("/m/water/me", headers=bearer(water_token)).status_code == 200
    assert me.get("/m/taxi/me", headers=bearer(other_user)).status_code == 200
    # The first-party token that did the revoking still works.
    assert citizen.get("/api/v1/me").status_code == 200
    assert refresh_revoked(platform, taxi_refresh)
    assert not refresh_revoked(platform, water_refresh)

    (revoked,) = audits(platform, "consent.revoked")
    assert revoked.before == {"plugin_id": "taxi", "scopes": ["openid", "profile"]}
    (tokens,) = audits(platform, "auth.token_revoked")
    assert tokens.after == {
        "reason": "consent_revoked",
        "plugin_id": "taxi",
        "access_tokens": 1,
        "refresh_tokens": 1,
        "codes": 0,
    }
    with platform.context() as session:
        stored = json.dumps(
            [[e.before, e.after, e.target] for e in session.scalars(select(AuditEntry))]
        )
    for secret in (taxi_token, taxi_refresh, token_digest(taxi_token), token_digest(taxi_refresh)):
        assert secret not in stored


def test_a_plugins_token_reaches_only_that_plugins_routes(platform):
    taxi = client_of(platform, "taxi")
    grant(platform, "taxi", "openid", "profile")
    token = issue(platform, taxi)
    anyone = platform.client()
    assert anyone.get("/m/taxi/me", headers=bearer(token)).json["scopes"] == ["openid", "profile"]
    # Not another plugin's routes, and none of the core's: the user gave this token to the taxi
    # service, not the power to manage their account or consents.
    for method, path in (
        ("get", "/m/water/me"),
        ("get", "/api/v1/me"),
        ("get", "/api/v1/me/consents"),
        ("delete", "/api/v1/me/consents/taxi"),
        ("get", "/api/v1/me/data"),
        ("get", "/api/v1/modules"),
    ):
        refused = getattr(anyone, method)(path, headers={**bearer(token), "Accept-Language": "en"})
        assert refused.status_code == 403, (method, path, refused.json)
        assert "issued to another application" in refused.json["message"]
    assert audits(platform, "consent.revoked") == []
    # The app's own token for the same user reaches everything.
    assert platform.client(Role.CITIZEN).get("/api/v1/me").status_code == 200


def test_a_switched_off_modules_client_signs_no_one_in_and_reads_nothing(platform):
    taxi = client_of(platform, "taxi")
    grant(platform, "taxi", "openid", "profile")
    token = issue(platform, taxi)
    anyone = platform.client()
    assert anyone.get("/oauth/userinfo", headers=bearer(token)).status_code == 200
    platform.disable("taxi")
    assert anyone.get("/oauth/userinfo", headers=bearer(token)).status_code == 401
    introspected = anyone.post(
        "/oauth/introspect", data={"token": token}, auth=(taxi, "any-secret")
    )
    assert introspected.status_code == 401 and introspected.json["error"] == "invalid_client"
    # The other module's client is untouched.
    water_token = issue(platform, client_of(platform, "water"))
    assert anyone.get("/oauth/userinfo", headers=bearer(water_token)).status_code == 200


def test_revoking_also_kills_tokens_of_a_disabled_client_and_pending_codes(platform):
    user_id, tenant_id = ids(platform)
    taxi = client_of(platform, "taxi")
    grant(platform, "taxi", "openid")
    token = issue(platform, taxi)
    with platform.context() as session:
        client = session.scalar(select(OAuthClient).where(OAuthClient.client_id == taxi))
        # Disabled without going through clients.disable, which would revoke by itself.
        client.disabled_at = utcnow()
        session.add(
            AuthorizationCode(
                code_hash=token_digest("a-code"),
                client_id=taxi,
                tenant_id=tenant_id,
                user_id=user_id,
                redirect_uri="https://taxi.example.vn/cb",
                scope="openid",
                code_challenge="x" * 43,
                code_challenge_method="S256",
                auth_time=utcnow(),
                family_id="codefamily",
                expires_at=utcnow() + timedelta(minutes=5),
            )
        )
    with platform.context() as session:
        assert consent.revoke(session, user_id, tenant_id, "taxi", actor_id=None)
    with platform.context() as session:
        code = session.scalar(select(AuthorizationCode))
        assert code.expires_at <= utcnow()
        assert session.scalar(
            select(Token.revoked_at).where(Token.token_hash == token_digest(token))
        )
    assert audits(platform, "auth.token_revoked")[0].after["codes"] == 1


def test_a_partner_clients_consent_is_kept_under_its_client_id(platform):
    user_id, tenant_id = ids(platform)
    with platform.context() as session:
        org = session.scalar(select(Organization.id).where(Organization.code == "mai-linh-hue"))
        client, _ = clients.create_partner_client(
            session,
            tenant_id,
            org,
            name="Mai Linh back-office",
            grant_types=["client_credentials", "authorization_code"],
            redirect_uris=["https://mailinh.example.vn/cb"],
            scope="openid profile",
            actor=clients.Actor(None, "test"),
        )
        key = clients.consent_key(client)
        consent.grant(session, user_id, tenant_id, key, ["openid", "profile"])
    assert key == client.client_id and "-" in key
    token = issue(platform, key)
    citizen = platform.client(Role.CITIZEN)
    listed = citizen.get("/api/v1/me/consents", headers={"Accept-Language": "en"}).json
    assert [(c["plugin_id"], c["plugin_name"]) for c in listed["consents"]] == [
        (key, "Mai Linh back-office")
    ]
    assert citizen.delete(f"/api/v1/me/consents/{key}").status_code == 204
    assert platform.client().get("/api/v1/me", headers=bearer(token)).status_code == 401


# -- the API --------------------------------------------------------------------------------


def test_my_consents_are_listed_in_the_callers_language(platform):
    grant(platform, "water", "openid")
    grant(platform, "taxi", "openid", "profile", "taxi.trips")
    citizen = platform.client(Role.CITIZEN)

    vi = citizen.get("/api/v1/me/consents").json
    assert vi["language"] == "vi"
    assert [c["plugin_id"] for c in vi["consents"]] == ["taxi", "water"]
    taxi = vi["consents"][0]
    assert taxi["plugin_name"] == "Dịch vụ taxi"
    assert taxi["scopes"] == [
        {"name": "openid", "purpose": consent.STANDARD_SCOPES["openid"].vi},
        {"name": "profile", "purpose": "Để tài xế gọi tên bạn"},
        {"name": "taxi.trips", "purpose": "Xem chuyến đi"},
    ]
    assert taxi["granted_at"]

    english = citizen.get("/api/v1/me/consents", headers={"Accept-Language": "en"})
    assert english.headers["Content-Language"] == "en"
    en = english.json
    assert en["language"] == "en"
    assert en["consents"][0]["plugin_name"] == "Service taxi"
    assert en["consents"][0]["scopes"][1]["purpose"] == "So the driver knows your name"

    # Someone else's consents are not the caller's.
    assert platform.client(Role.OFFICIAL).get("/api/v1/me/consents").json["consents"] == []


def test_consent_endpoints_need_a_signed_in_caller(platform):
    anonymous = platform.client()
    assert anonymous.get("/api/v1/me/consents").status_code == 401
    assert anonymous.delete("/api/v1/me/consents/taxi").status_code == 401
    bad = anonymous.get("/api/v1/me/consents", headers=bearer("not-a-token"))
    assert bad.status_code == 401


def test_revoking_what_was_never_granted_is_404_and_changes_nothing(platform):
    grant(platform, "water", "openid")
    citizen = platform.client(Role.CITIZEN)
    before = len(audits(platform, "consent.revoked"))
    for plugin_id in ("taxi", "nonexistent"):
        response = citizen.delete(f"/api/v1/me/consents/{plugin_id}")
        assert response.status_code == 404
        assert response.json["code"] == "not_found"
        assert response.json["message"] == "Bạn chưa cho phép dịch vụ này truy cập thông tin nào."
        assert response.json["errors"] == {}
    english = citizen.delete("/api/v1/me/consents/taxi", headers={"Accept-Language": "en"})
    assert english.json["message"] == "You have not given this service access to anything."
    # Another user's consent cannot be revoked through one's own endpoint.
    grant(platform, "taxi", "openid", user_role=Role.OFFICIAL)
    assert citizen.delete("/api/v1/me/consents/taxi").status_code == 404
    user_id, tenant_id = ids(platform)
    with platform.context() as session:
        official = platform.users[Role.OFFICIAL].id
        assert consent.granted_scopes(session, official, tenant_id, "taxi") == {"openid"}
    assert len(audits(platform, "consent.revoked")) == before
    assert citizen.delete("/api/v1/me/consents/water").status_code == 204
    assert citizen.delete("/api/v1/me/consents/water").status_code == 404


# -- the in-app prompt: POST /api/v1/me/consents/<plugin> -------------------------------------


def test_the_app_grants_in_place_what_the_manifest_declares(platform):
    client = platform.client(Role.CITIZEN)
    granted = client.post("/api/v1/me/consents/taxi", json={"scopes": ["profile", "phone"]})
    assert granted.status_code == 200, granted.get_json()
    assert granted.get_json()["scopes"] == [
        {"name": "profile", "purpose": "Để tài xế gọi tên bạn"},
        {"name": "phone", "purpose": "Để gọi bạn"},
    ]
    # The plugin now sees what was granted, and the grant is audited.
    assert client.get("/m/taxi/me").get_json()["scopes"] == ["phone", "profile"]
    with platform.context() as session:
        entry = session.scalar(
            select(AuditEntry)
            .where(AuditEntry.action == "consent.granted")
            .order_by(AuditEntry.id.desc())
        )
        assert entry.after["added"] == ["phone", "profile"]
    # Asking again adds nothing and answers the same.
    again = client.post("/api/v1/me/consents/taxi", json={"scopes": ["phone"]})
    assert again.status_code == 200 and len(again.get_json()["scopes"]) == 2


@pytest.mark.parametrize(
    ("plugin_id", "body", "status"),
    [
        ("taxi", {"scopes": ["email"]}, 422),  # not declared by the taxi plugin
        ("taxi", {"scopes": []}, 422),
        ("taxi", {}, 422),
        ("nothing", {"scopes": ["profile"]}, 404),
    ],
)
def test_the_app_cannot_grant_what_was_never_asked(platform, plugin_id, body, status):
    client = platform.client(Role.CITIZEN)
    answer = client.post(f"/api/v1/me/consents/{plugin_id}", json=body)
    assert answer.status_code == status
    if status == 422:
        assert "scopes" in answer.get_json()["errors"]
    assert client.get("/api/v1/me/consents").get_json()["consents"] == []


def test_a_disabled_module_or_an_anonymous_caller_grants_nothing(platform):
    platform.disable("taxi")
    client = platform.client(Role.CITIZEN)
    assert client.post("/api/v1/me/consents/taxi", json={"scopes": ["profile"]}).status_code == 404
    assert (
        platform.client()
        .post("/api/v1/me/consents/water", json={"scopes": ["profile"]})
        .status_code
        == 401
    )
