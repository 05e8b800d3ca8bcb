"""OAuth clients: a plugin's client made at install, partners' back-end clients, the province's
management of both, and the manifest's redirect URIs."""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path

import pytest
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.identity import accounts
from sieuapp.core.identity.models import User
from sieuapp.core.identity.oidc import clients
from sieuapp.core.identity.oidc.models import OAuthClient
from sieuapp.core.plugins.synthetic import write_distribution
from sieuapp.core.tenancy.context import current_tenant
from sieuapp.core.tenancy.models import Organization
from sieuapp.core.tenancy.provinces import create_tenant
from sieuapp.sdk import Manifest, Role, Scope, text
from sqlalchemy import func, select

from .support import empty_database_url, invoke

PLUGIN = textwrap.dedent(
    """
    from sieuapp.sdk import Manifest, Scope, hookimpl, text

    @hookimpl
    def manifest():
        return Manifest(
            id="taxi",
            name=text("Taxi Huế", "Huế Taxi"),
            description=text("Gọi xe", "Call a car"),
            sdk_api=">=1.0,<2",
            scopes=(
                Scope("phone", text("Để tài xế gọi bạn", "So the driver can call you")),
                Scope("taxi.trips", text("Xem chuyến đi", "See your trips")),
            ),
            redirect_uris=("https://taxi.example.vn/cb", "http://127.0.0.1:8765/cb"),
            post_logout_redirect_uris=("https://taxi.example.vn/bye",),
        )
    """
)

BAD_REDIRECTS = PLUGIN.replace('id="taxi"', 'id="badtaxi"').replace(
    '"https://taxi.example.vn/cb", "http://127.0.0.1:8765/cb"',
    '"http://taxi.example.vn/cb", "https://taxi.example.vn/cb#frag"',
)


@pytest.fixture
def platform(make_platform, synthetic):
    synthetic("taxi", PLUGIN)
    synthetic("badtaxi", BAD_REDIRECTS)
    p = make_platform(plugins=None, entry_points=synthetic.entry_points())
    with p.context() as session:
        tenant_id = current_tenant().id
        vnpt = session.scalar(select(Organization.id).where(Organization.code == "vnpt-hue"))
        other = accounts.create_user(session, "vnpt", None, "Đỗ Văn Phúc")
        accounts.assign_role(session, other, tenant_id, Role.PARTNER_STAFF, vnpt)
        p.users["vnpt"] = other
    return p


def token_for(platform, username: str) -> str:
    with platform.context() as session:
        user = session.scalar(select(User).where(User.username == username))
        secret, _ = accounts.issue_token(session, user, current_tenant().id, 3600)
    return secret


def as_user(platform, username: str):
    client = platform.client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(platform, username)}"
    return client


#: Every tenant has the web shell's first-party client from its creation (test_shell_client);
#: these tests are about the clients made after.
NOT_SHELL = OAuthClient.kind != "first_party"


def stored(platform) -> list[OAuthClient]:
    with platform.context() as session:
        return list(session.scalars(select(OAuthClient).where(NOT_SHELL).order_by(OAuthClient.id)))


def audit_text(platform) -> str:
    with platform.context() as session:
        return json.dumps(
            [[e.action, e.target, e.before, e.after] for e in session.scalars(select(AuditEntry))],
            ensure_ascii=False,
        )


def audits(platform, action: str) -> list[AuditEntry]:
    with platform.context() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        return [e for e in entries if not (e.target or "").startswith("shell-")]


def listed_clients(client, query: str = "") -> list[dict]:
    """The admin's client list without the shell's client."""
    listed = client.get(f"/api/v1/admin/oauth/clients{query}").json
    return [c for c in listed if c["kind"] != "first_party"]


def install(platform):
    admin = platform.client(Role.PROVINCE_ADMIN)
    return admin.post("/api/v1/admin/plugins/taxi/install")


# -- plugin clients -------------------------------------------------------------------------


def test_installing_a_plugin_makes_its_client_and_shows_the_secret_once(platform):
    response = install(platform)
    assert response.status_code == 200
    shown = response.json["oauth_client"]
    (client,) = stored(platform)
    assert shown["client_id"] == client.client_id
    assert client.kind == "plugin" and client.plugin_id == "taxi"
    assert client.token_endpoint_auth_method == "client_secret_basic"
    assert client.redirect_uris == ["https://taxi.example.vn/cb", "http://127.0.0.1:8765/cb"]
    assert client.post_logout_redirect_uris == ["https://taxi.example.vn/bye"]
    assert client.grant_types == ["authorization_code", "refresh_token", "client_credentials"]
    assert client.scope == "openid offline_access phone taxi.trips"
    assert client.name == "Taxi Huế"
    # Only the SHA-256 is kept; the secret checks in constant time.
    assert client.secret_hash == hashlib.sha256(shown["client_secret"].encode()).hexdigest()
    assert clients.check_secret(client, shown["client_secret"])
    assert not clients.check_secret(client, shown["client_secret"] + "x")
    assert not clients.check_secret(client, "")
    assert clients.consent_key(client) == "taxi"

    (created,) = audits(platform, "oauth.client_created")
    assert created.target == client.client_id and created.plugin_id == "taxi"
    assert shown["client_secret"] not in audit_text(platform)
    assert client.secret_hash not in audit_text(platform)


def test_reinstalling_and_reenabling_keep_the_client(platform):
    first = install(platform).json["oauth_client"]
    again = install(platform)
    assert again.status_code == 200 and "oauth_client" not in again.json
    admin = platform.client(Role.PROVINCE_ADMIN)
    for step in ("enable", "disable", "enable"):
        assert admin.post(f"/api/v1/admin/plugins/taxi/{step}").status_code == 200
    (client,) = stored(platform)
    assert client.client_id == first["client_id"]
    assert clients.check_secret(client, first["client_secret"])
    assert len(audits(platform, "oauth.client_created")) == 1


def test_each_tenant_gets_its_own_client(platform):
    install(platform)
    with platform.context() as session:
        create_tenant(session, "danang", 48)
    with platform.context("danang") as session:
        from sieuapp.core.plugins import modules

        state, credentials = modules.install_with_client(
            platform.runtime, session, "taxi", modules.Actor(None, "test")
        )
    assert credentials is not None
    hue, danang = stored(platform)
    assert hue.tenant_id != danang.tenant_id and hue.client_id != danang.client_id
    assert credentials.client_id == danang.client_id


def test_find_client_refuses_unknown_and_disabled_clients(platform):
    client_id = install(platform).json["oauth_client"]["client_id"]
    with platform.context() as session:
        assert clients.find_client(session, client_id).plugin_id == "taxi"
        assert clients.find_client(session, "nobody") is None
        assert clients.find_client(session, "") is None
    admin = platform.client(Role.PROVINCE_ADMIN)
    assert admin.post(f"/api/v1/admin/oauth/clients/{client_id}/disable").status_code == 200
    with platform.context() as session:
        assert clients.find_client(session, client_id) is None
    # Re-enabling the module does not undo the province's decision about the client.
    admin.post("/api/v1/admin/plugins/taxi/enable")
    install(platform)
    with platform.context() as session:
        assert clients.find_client(session, client_id) is None
    assert admin.post(f"/api/v1/admin/oauth/clients/{client_id}/enable").status_code == 200
    with platform.context() as session:
        assert clients.find_client(session, client_id) is not None


def test_the_cli_install_prints_the_client_secret_once(tmp_path: Path, monkeypatch):
    site = tmp_path / "site"
    # Not "taxi": the CLI sees every installed distribution, and the real taxi plugin is one.
    write_distribution(site, "xeom", PLUGIN.replace('id="taxi"', 'id="xeom"'))
    monkeypatch.syspath_prepend(str(site))
    env = {
        "SIEUAPP_DATABASE_URL": empty_database_url(tmp_path / "cli.sqlite3"),
        "SIEUAPP_INSTANCE_PATH": str(tmp_path / "instance"),
        "SIEUAPP_PLUGINS": "xeom",
        "SIEUAPP_DEFAULT_TENANT": "hue",
        "SIEUAPP_SECRET_KEY": "cli-test",
    }
    invoke(["db", "upgrade"], env)
    invoke(["tenants", "create", "hue", "--province", "46"], env)
    first = invoke(["plugins", "install", "xeom"], env).output
    lines = {k: v.strip() for k, _, v in (ln.partition(":") for ln in first.splitlines())}
    client_id, secret = lines["OAuth client_id"], lines["OAuth client_secret"]
    assert client_id.startswith("plugin-xeom-") and len(secret) >= 43
    again = invoke(["plugins", "install", "xeom"], env).output
    assert "was already installed" in again and "client_secret" not in again
    from sieuapp.core.db import make_engine
    from sqlalchemy.orm import Session

    engine = make_engine(env["SIEUAPP_DATABASE_URL"])
    with Session(engine) as session:
        client = session.scalar(select(OAuthClient).where(NOT_SHELL))
        assert client.client_id == client_id and clients.check_secret(client, secret)
    engine.dispose()


# -- the province managing clients ------------------------------------------------------------


def test_the_admin_sets_a_plugin_clients_redirect_uris_per_tenant(platform):
    client_id = install(platform).json["oauth_client"]["client_id"]
    admin = platform.client(Role.PROVINCE_ADMIN)
    url = f"/api/v1/admin/oauth/clients/{client_id}"
    changed = admin.put(url, json={"redirect_uris": ["https://hue.taxi.vn/callback"]})
    assert changed.status_code == 200
    assert changed.json["redirect_uris"] == ["https://hue.taxi.vn/callback"]
    # A list left out stays.
    assert changed.json["post_logout_redirect_uris"] == ["https://taxi.example.vn/bye"]
    (updated,) = audits(platform, "oauth.client_updated")
    assert updated.before["redirect_uris"][0] == "https://taxi.example.vn/cb"
    assert updated.after["redirect_uris"] == ["https://hue.taxi.vn/callback"]
    # The province's choice survives a reinstall.
    install(platform)
    assert stored(platform)[0].redirect_uris == ["https://hue.taxi.vn/callback"]

    back = admin.put(url, json={"from_manifest": True})
    assert back.json["redirect_uris"] == ["https://taxi.example.vn/cb", "http://127.0.0.1:8765/cb"]


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ({"redirect_uris": ["http://taxi.vn/cb"]}, "redirect_uris[0]", "must use https"),
        (
            {"redirect_uris": ["https://ok.vn/", "https://x.vn/#top"]},
            "redirect_uris[1]",
            "fragment",
        ),
        ({"redirect_uris": ["/cb"]}, "redirect_uris[0]", "absolute"),
        ({"redirect_uris": ["https://a.vn/", "https://a.vn/"]}, "redirect_uris[1]", "twice"),
        ({"post_logout_redirect_uris": ["ftp://a.vn/"]}, "post_logout_redirect_uris[0]", "https"),
        ({"redirect_uris": "https://a.vn/"}, "redirect_uris", "Not a valid list"),
        (
            {"from_manifest": True, "redirect_uris": ["https://a.vn/"]},
            "from_manifest",
            "Cannot be combined",
        ),
    ],
)
def test_bad_redirect_uris_are_named_and_change_nothing(platform, body, field, fragment):
    client_id = install(platform).json["oauth_client"]["client_id"]
    before, audit_before = stored(platform)[0].redirect_uris, audit_text(platform)
    admin = platform.client(Role.PROVINCE_ADMIN)
    response = admin.put(f"/api/v1/admin/oauth/clients/{client_id}", json=body)
    assert response.status_code == 422, response.json
    assert response.json["code"] == "invalid_input"
    assert fragment in " ".join(response.json["errors"][field])
    assert stored(platform)[0].redirect_uris == before
    assert audit_text(platform) == audit_before


def test_the_admin_rotates_a_secret_shown_once(platform):
    first = install(platform).json["oauth_client"]
    admin = platform.client(Role.PROVINCE_ADMIN)
    rotated = admin.post(f"/api/v1/admin/oauth/clients/{first['client_id']}/secret")
    assert rotated.status_code == 200
    new = rotated.json["client_secret"]
    assert new != first["client_secret"]
    (client,) = stored(platform)
    assert clients.check_secret(client, new)
    assert not clients.check_secret(client, first["client_secret"])
    assert client.secret_rotated_at is not None
    (entry,) = audits(platform, "oauth.client_secret_rotated")
    assert entry.target == client.client_id and entry.actor_label == "admin"
    listed = listed_clients(admin)
    assert new not in json.dumps(listed) and "client_secret" not in listed[0]
    for secret in (new, first["client_secret"], client.secret_hash):
        assert secret not in audit_text(platform)


def test_disabling_a_client_revokes_its_tokens(platform):
    client_id = install(platform).json["oauth_client"]["client_id"]
    with platform.context() as session:
        user = session.get(User, platform.users[Role.CITIZEN].id)
        plugin_token, _ = accounts.issue_token(session, user, current_tenant().id, 60, client_id)
    me = platform.client()
    headers = {"Authorization": f"Bearer {plugin_token}"}
    # Live but a plugin's: refused by the core's APIs (403), unlike a dead token (401).
    assert me.get("/api/v1/me", headers=headers).status_code == 403
    admin = platform.client(Role.PROVINCE_ADMIN)
    disabled = admin.post(f"/api/v1/admin/oauth/clients/{client_id}/disable")
    assert disabled.json["disabled_at"] is not None
    assert me.get("/api/v1/me", headers=headers).status_code == 401
    assert platform.client(Role.CITIZEN).get("/api/v1/me").status_code == 200
    (revoked,) = audits(platform, "auth.token_revoked")
    assert revoked.after == {"reason": "client_disabled", "access_tokens": 1, "refresh_tokens": 0}


def test_client_administration_needs_the_province_admin(platform):
    client_id = install(platform).json["oauth_client"]["client_id"]
    for role in (Role.CITIZEN, Role.OFFICIAL, Role.IOC_OPERATOR, Role.PARTNER_STAFF):
        caller = platform.client(role)
        assert caller.get("/api/v1/admin/oauth/clients").status_code == 403
        rotate = caller.post(f"/api/v1/admin/oauth/clients/{client_id}/secret")
        assert rotate.status_code == 403
        # The role is checked before the body: a stranger learns nothing from a 422.
        put = caller.put(f"/api/v1/admin/oauth/clients/{client_id}", json={"redirect_uris": 1})
        assert put.status_code == 403
    assert platform.client().get("/api/v1/admin/oauth/clients").status_code == 401
    missing = platform.client(Role.PROVINCE_ADMIN).post("/api/v1/admin/oauth/clients/x/secret")
    assert missing.status_code == 404 and missing.json["code"] == "not_found"


def test_another_tenants_admin_sees_none_of_these_clients(platform):
    client_id = install(platform).json["oauth_client"]["client_id"]
    with platform.context() as session:
        create_tenant(session, "danang", 48)
    with platform.context("danang") as session:
        admin = session.scalar(select(User).where(User.username == "admin"))
        accounts.assign_role(session, admin, current_tenant().id, Role.PROVINCE_ADMIN)
        secret, _ = accounts.issue_token(session, admin, current_tenant().id, 60)
    danang = platform.client(tenant="danang")
    danang.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    assert listed_clients(danang) == []
    assert danang.get(f"/api/v1/admin/oauth/clients/{client_id}").status_code == 404
    assert danang.post(f"/api/v1/admin/oauth/clients/{client_id}/secret").status_code == 404


# -- partner clients --------------------------------------------------------------------------


def register(caller, **fields):
    body = {"name": "Điều phối xe", **fields}
    return caller.post("/api/v1/partner/oauth/clients", json=body)


def test_a_partner_registers_a_back_end_client(platform):
    partner = platform.client(Role.PARTNER_STAFF)
    response = register(partner)
    assert response.status_code == 201
    made = response.json
    assert made["kind"] == "partner" and made["organization"] == "mai-linh-hue"
    assert made["grant_types"] == ["client_credentials"]
    assert made["token_endpoint_auth_method"] == "client_secret_basic"
    assert made["redirect_uris"] == [] and made["scope"] == ""
    (client,) = stored(platform)
    assert clients.check_secret(client, made["client_secret"])
    assert clients.consent_key(client) == client.client_id
    (entry,) = audits(platform, "oauth.client_created")
    assert entry.actor_label == "partner" and entry.target == client.client_id

    with_login = register(
        partner,
        name="Ứng dụng đặt xe",
        grant_types=["client_credentials", "authorization_code"],
        redirect_uris=["https://app.mailinh.vn/cb"],
        scope="openid profile offline_access",
        token_endpoint_auth_method="client_secret_post",
    )
    assert with_login.status_code == 201, with_login.json
    assert with_login.json["grant_types"] == [
        "client_credentials",
        "authorization_code",
        "refresh_token",
    ]
    assert with_login.json["scope"] == "openid profile offline_access"

    listed = partner.get("/api/v1/partner/oauth/clients")
    assert [c["name"] for c in listed.json] == ["Điều phối xe", "Ứng dụng đặt xe"]
    text_out = json.dumps(listed.json, ensure_ascii=False)
    assert 'client_secret"' not in text_out
    for secret in (made["client_secret"], with_login.json["client_secret"]):
        assert secret not in text_out and secret not in audit_text(platform)


def test_a_partner_sees_and_manages_only_its_own_companys_clients(platform):
    mine = register(platform.client(Role.PARTNER_STAFF)).json
    theirs = register(as_user(platform, "vnpt"), name="VNPT billing").json
    a, b = platform.client(Role.PARTNER_STAFF), as_user(platform, "vnpt")
    assert [c["client_id"] for c in a.get("/api/v1/partner/oauth/clients").json] == [
        mine["client_id"]
    ]
    assert [c["client_id"] for c in b.get("/api/v1/partner/oauth/clients").json] == [
        theirs["client_id"]
    ]
    base = f"/api/v1/partner/oauth/clients/{theirs['client_id']}"
    for response in (
        a.get(base),
        a.post(f"{base}/secret"),
        a.post(f"{base}/disable"),
        a.put(base, json={"redirect_uris": []}),
    ):
        assert response.status_code == 404 and response.json["code"] == "not_found"
    (victim,) = [c for c in stored(platform) if c.client_id == theirs["client_id"]]
    assert clients.check_secret(victim, theirs["client_secret"]) and victim.disabled_at is None
    assert audits(platform, "oauth.client_secret_rotated") == []

    rotated = b.post(f"{base}/secret")
    assert rotated.status_code == 200 and rotated.json["client_secret"] != theirs["client_secret"]
    assert b.post(f"{base}/disable").json["disabled_at"] is not None

    # The province sees every client of the tenant, of any company and any plugin.
    install(platform)
    admin = platform.client(Role.PROVINCE_ADMIN)
    everything = listed_clients(admin)
    assert {c["kind"] for c in everything} == {"partner", "plugin"} and len(everything) == 3
    only_vnpt = admin.get("/api/v1/admin/oauth/clients?organization=vnpt-hue").json
    assert [c["client_id"] for c in only_vnpt] == [theirs["client_id"]]
    plugins = admin.get("/api/v1/admin/oauth/clients?kind=plugin").json
    assert [c["plugin_id"] for c in plugins] == ["taxi"]


def test_only_partner_staff_may_register_clients(platform):
    for role in (Role.CITIZEN, Role.OFFICIAL, Role.PROVINCE_ADMIN):
        caller = platform.client(role)
        response = register(caller, grant_types=7)  # refused before the body is read
        assert response.status_code == 403, role
        assert response.json["code"] == "forbidden"
        assert caller.get("/api/v1/partner/oauth/clients").status_code == 403
    assert register(platform.client()).status_code == 401
    # The role without a partner company is not enough either.
    with platform.context() as session:
        loner = accounts.create_user(session, "loner", None, "Không công ty")
        accounts.assign_role(session, loner, current_tenant().id, Role.PARTNER_STAFF)
    refused = register(as_user(platform, "loner"))
    assert refused.status_code == 403
    assert refused.json["message"] == "Vai trò đối tác của bạn chưa gắn với công ty đối tác nào."
    assert stored(platform) == []


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        ({"name": ""}, "name", "Length"),
        ({"grant_types": ["password"]}, "grant_types", "Unknown grant type 'password'"),
        ({"grant_types": ["refresh_token"]}, "grant_types", "needs authorization_code"),
        (
            {"grant_types": ["authorization_code"]},
            "redirect_uris",
            "needs at least one redirect URI",
        ),
        ({"redirect_uris": ["https://a.vn/cb"]}, "redirect_uris", "only for the authorization"),
        (
            {"grant_types": ["authorization_code"], "redirect_uris": ["http://a.vn/cb"]},
            "redirect_uris[0]",
            "must use https",
        ),
        (
            {"grant_types": ["authorization_code"], "redirect_uris": ["https://a.vn/cb#x"]},
            "redirect_uris[0]",
            "fragment",
        ),
        ({"scope": "openid"}, "scope", "need the authorization_code grant"),
        (
            {
                "grant_types": ["authorization_code"],
                "redirect_uris": ["https://a.vn/cb"],
                "scope": "openid taxi.trips",
            },
            "scope",
            "Unknown scope 'taxi.trips'",
        ),
        ({"token_endpoint_auth_method": "none"}, "token_endpoint_auth_method", "Must be one of"),
        ({"organization": "vnpt-hue"}, "organization", "You do not act for 'vnpt-hue'"),
        ({"redirect_uris": [3]}, "redirect_uris.0", "Not a valid string"),
    ],
)
def test_bad_registrations_name_the_field_and_write_nothing(platform, fields, field, fragment):
    response = register(platform.client(Role.PARTNER_STAFF), **fields)
    assert response.status_code == 422, response.json
    assert response.json["code"] == "invalid_input"
    assert fragment in " ".join(response.json["errors"][field]), response.json
    assert stored(platform) == []
    assert audits(platform, "oauth.client_created") == []


def test_a_partner_in_two_companies_says_which_one(platform):
    with platform.context() as session:
        tenant_id = current_tenant().id
        vnpt = session.scalar(select(Organization.id).where(Organization.code == "vnpt-hue"))
        user = session.get(User, platform.users[Role.PARTNER_STAFF].id)
        accounts.assign_role(session, user, tenant_id, Role.PARTNER_STAFF, vnpt)
    partner = platform.client(Role.PARTNER_STAFF)
    ambiguous = register(partner)
    assert ambiguous.status_code == 422 and "organization" in ambiguous.json["errors"]
    chosen = register(partner, organization="vnpt-hue")
    assert chosen.status_code == 201 and chosen.json["organization"] == "vnpt-hue"
    with platform.context() as session:
        assert session.scalar(select(func.count()).select_from(OAuthClient).where(NOT_SHELL)) == 1


# -- the manifest ---------------------------------------------------------------------------


def manifest(**fields) -> Manifest:
    return Manifest(
        id="taxi",
        name=text("Taxi", "Taxi"),
        description=text("Xe", "Cars"),
        sdk_api=">=1.0,<2",
        scopes=(Scope("phone", text("Gọi", "Call")),),
        **fields,
    )


def test_manifest_redirect_uris_must_be_https_or_loopback_without_fragment():
    good = manifest(
        redirect_uris=(
            "https://taxi.example.vn/cb?x=1",
            "http://localhost:8080/cb",
            "http://127.0.0.1/cb",
            "http://[::1]:9000/cb",
        ),
        post_logout_redirect_uris=("https://taxi.example.vn/",),
    )
    assert good.problems() == []
    bad = manifest(
        redirect_uris=(
            "http://taxi.example.vn/cb",
            "https://taxi.example.vn/cb#done",
            "/relative/cb",
            "https://user:pw@taxi.example.vn/cb",
            "https://taxi.example.vn/a b",
            "vn.hue.app:/cb",
            "https://ok.vn/",
            "https://ok.vn/",
        ),
        post_logout_redirect_uris="https://taxi.example.vn/",
    )
    assert bad.problems() == [
        "redirect_uris[0]: 'http://taxi.example.vn/cb' must use https (http only for localhost "
        "or a loopback address)",
        "redirect_uris[1]: 'https://taxi.example.vn/cb#done' must not contain a fragment (#...)",
        "redirect_uris[2]: '/relative/cb' must be an absolute https:// URL",
        "redirect_uris[3]: 'https://user:pw@taxi.example.vn/cb' must not contain a user name "
        "or password",
        "redirect_uris[4]: 'https://taxi.example.vn/a b' must not contain spaces",
        "redirect_uris[5]: 'vn.hue.app:/cb' must be an absolute https:// URL",
        "redirect_uris[7]: 'https://ok.vn/' is listed twice",
        "post_logout_redirect_uris: must be a tuple of URLs, got 'https://taxi.example.vn/'",
    ]


def test_a_plugin_with_bad_redirect_uris_is_refused_with_the_reason(platform):
    record = platform.runtime.host.records["badtaxi"]
    assert record.status == "failed"
    problems = " ".join(record.problems)
    assert "redirect_uris[0]: 'http://taxi.example.vn/cb' must use https" in problems
    assert "redirect_uris[1]: 'https://taxi.example.vn/cb#frag' must not contain a fragment" in (
        problems
    )
    refused = platform.client(Role.PROVINCE_ADMIN).post("/api/v1/admin/plugins/badtaxi/install")
    assert refused.status_code == 409
    assert stored(platform) == []
