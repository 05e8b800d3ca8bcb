from __future__ import annotations

from datetime import timedelta

import pytest
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.db import utcnow
from sieuapp.core.identity import accounts
from sieuapp.core.identity.models import RoleAssignment, Token, User
from sieuapp.core.identity.principal import token_digest
from sieuapp.core.tenancy.provinces import create_tenant
from sqlalchemy import func, select


@pytest.fixture
def platform(make_platform):
    p = make_platform(plugins=[])
    with p.context() as session:
        accounts.create_user(session, "lan", "mat-khau-dai", "Lê Thị Lan")
    return p


def count(platform, model) -> int:
    with platform.context() as session:
        return session.scalar(select(func.count()).select_from(model))


def login(client, username="lan", password="mat-khau-dai"):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_login_returns_a_bearer_token_that_works(platform):
    client = platform.client()
    response = login(client)
    assert response.status_code == 200
    assert response.json["token_type"] == "Bearer"
    assert response.json["expires_in"] == 3600
    me = client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {response.json['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json["username"] == "lan"
    assert me.json["full_name"] == "Lê Thị Lan"
    assert set(me.json["roles"]) == {"anonymous", "citizen"}
    assert me.json["tenant"] == "hue"


def test_only_a_digest_of_the_token_is_stored(platform):
    secret = login(platform.client()).json["access_token"]
    with platform.context() as session:
        stored = session.scalars(select(Token.token_hash)).all()
    assert token_digest(secret) in stored
    assert secret not in stored


@pytest.mark.parametrize(
    ("username", "password"), [("lan", "sai-mat-khau"), ("khong-co", "mat-khau-dai")]
)
def test_wrong_password_and_unknown_user_get_the_same_answer(platform, username, password):
    response = login(platform.client(), username, password)
    assert response.status_code == 401
    assert response.json == {
        "code": "unauthorized",
        "message": "Wrong username or password.",
        "errors": {},
    }


def test_failed_logins_are_audited_and_issue_no_token(platform):
    tokens = count(platform, Token)
    login(platform.client(), "lan", "sai-mat-khau")
    assert count(platform, Token) == tokens
    with platform.context() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert "auth.login_failed" in actions


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": "x"}, "username"),
        ({"username": "lan"}, "password"),
        ({"username": 5, "password": "x"}, "username"),
    ],
)
def test_login_input_errors_name_the_field(platform, body, field):
    response = platform.client().post("/api/v1/auth/login", json=body)
    assert response.status_code == 422
    assert response.json["code"] == "invalid_input"
    assert field in response.json["errors"]


def test_login_with_no_json_body_is_a_clear_error(platform):
    response = platform.client().post(
        "/api/v1/auth/login", data="username=lan", content_type="text/plain"
    )
    assert 400 <= response.status_code < 500
    assert set(response.json) == {"code", "message", "errors"}


def test_logout_revokes_the_token(platform):
    client = platform.client()
    secret = login(client).json["access_token"]
    auth = {"Authorization": f"Bearer {secret}"}
    assert client.post("/api/v1/auth/logout", headers=auth).status_code == 204
    response = client.get("/api/v1/me", headers=auth)
    assert response.status_code == 401
    assert response.json["code"] == "unauthorized"


def test_expired_token_is_refused(platform):
    client = platform.client()
    secret = login(client).json["access_token"]
    with platform.context() as session:
        token = session.scalar(select(Token).where(Token.token_hash == token_digest(secret)))
        token.expires_at = utcnow() - timedelta(seconds=1)
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )


def test_a_token_is_valid_only_in_its_own_tenant(platform):
    with platform.context() as session:
        create_tenant(session, "danang", 48)
    secret = login(platform.client()).json["access_token"]
    other = platform.client(tenant="danang")
    response = other.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


@pytest.mark.parametrize("header", ["Bearer", "Bearer nonsense", "Basic bGFuOng="])
def test_malformed_or_unknown_credentials(platform, header):
    response = platform.client().get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401


def test_admin_creates_an_account_with_roles(platform):
    admin = platform.client("province_admin")
    response = admin.post(
        "/api/v1/admin/users",
        json={
            "username": "Binh.Official",
            "password": "mot-mat-khau-dai",
            "full_name": "Trần Bình",
            "roles": [{"role": "official", "organization": "so-xay-dung"}],
        },
    )
    assert response.status_code == 201, response.json
    assert response.json["username"] == "binh.official"
    assert [(r["role"], r["organization"]) for r in response.json["roles"]] == [
        ("official", "so-xay-dung")
    ]
    assert "password" not in response.json
    signed_in = login(platform.client(), "binh.official", "mot-mat-khau-dai").json
    # An official must enrol a second factor before anything else (see test_mfa.py).
    assert signed_in["scope"] == "mfa_enroll"
    token = signed_in["access_token"]
    mfa = platform.client().get("/api/v1/me/mfa", headers={"Authorization": f"Bearer {token}"})
    assert mfa.json["required"] is True
    audit = admin.get("/api/v1/admin/audit", query_string={"action": "user.created"}).json
    assert audit["total"] == 1
    assert audit["entries"][0]["actor_label"] == "admin"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "ab", "password": "mot-mat-khau-dai"}, "username"),
        ({"username": "hoa", "password": "ngan"}, "password"),
        ({"username": "hoa", "password": "mot-mat-khau-dai", "email": "not-mail"}, "email"),
        ({"username": "hoa", "password": "mot-mat-khau-dai", "phone": "abc"}, "phone"),
        (
            {"username": "hoa", "password": "mot-mat-khau-dai", "roles": [{"role": "mayor"}]},
            "roles.0.role",
        ),
        (
            {
                "username": "hoa",
                "password": "mot-mat-khau-dai",
                "roles": [{"role": "official", "organization": "nowhere"}],
            },
            "organization",
        ),
        ({"username": "lan", "password": "mot-mat-khau-dai"}, "username"),
    ],
)
def test_bad_accounts_are_refused_naming_the_field_and_nothing_is_written(platform, body, field):
    users, roles, audits = (
        count(platform, User),
        count(platform, RoleAssignment),
        count(platform, AuditEntry),
    )
    response = platform.client("province_admin").post("/api/v1/admin/users", json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"], response.json
    assert (
        count(platform, User),
        count(platform, RoleAssignment),
        count(platform, AuditEntry),
    ) == (
        users,
        roles,
        audits,
    )


@pytest.mark.parametrize("role", [None, "citizen", "official", "ioc_operator", "partner_staff"])
def test_only_province_admins_manage_accounts(platform, role):
    client = platform.client(role)
    response = client.post(
        "/api/v1/admin/users", json={"username": "hoa", "password": "mot-mat-khau-dai"}
    )
    assert response.status_code == (401 if role is None else 403)
    assert client.get("/api/v1/admin/users").status_code == (401 if role is None else 403)


def test_roles_are_granted_and_withdrawn_with_audit(platform):
    admin = platform.client("province_admin")
    citizen_id = platform.users["citizen"].id
    granted = admin.post(
        f"/api/v1/admin/users/{citizen_id}/roles",
        json={"role": "ioc_operator", "organization": "hue-ioc"},
    )
    assert granted.status_code == 200, granted.json
    assignment = next(r for r in granted.json["roles"] if r["role"] == "ioc_operator")
    withdrawn = admin.delete(f"/api/v1/admin/users/{citizen_id}/roles/{assignment['id']}")
    assert withdrawn.status_code == 200
    assert all(r["role"] != "ioc_operator" for r in withdrawn.json["roles"])
    actions = [e["action"] for e in admin.get("/api/v1/admin/audit").json["entries"]]
    assert actions[:2] == ["role.withdrawn", "role.granted"]
    entry = admin.get("/api/v1/admin/audit", query_string={"action": "role.granted"}).json[
        "entries"
    ][0]
    assert entry["before"]["roles"] == [] and entry["after"]["roles"][0]["role"] == "ioc_operator"
    assert (
        admin.delete(f"/api/v1/admin/users/{citizen_id}/roles/{assignment['id']}").status_code
        == 404
    )
    assert (
        admin.post("/api/v1/admin/users/nobody/roles", json={"role": "official"}).status_code == 404
    )


def test_audit_query_validates_its_filters(platform):
    admin = platform.client("province_admin")
    response = admin.get("/api/v1/admin/audit", query_string={"page_size": 0, "since": "yesterday"})
    assert response.status_code == 422
    assert {"page_size", "since"} <= set(response.json["errors"])
    response = admin.get(
        "/api/v1/admin/audit",
        query_string={"since": "2026-02-01T00:00:00+07:00", "until": "2026-01-01T00:00:00+07:00"},
    )
    assert response.status_code == 422
    assert "since" in response.json["errors"]
