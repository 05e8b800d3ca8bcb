"""Delegation: a citizen (or an official, from a signed form) lets an agent act for them; the
agent takes short-lived tokens for the citizen; the audit shows both; the agent can never
touch what only the account holder may change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.db import unit_of_work
from sieuapp.core.identity import accounts
from sieuapp.core.identity.delegation.models import Delegation
from sieuapp.core.identity.models import Token, User
from sieuapp.core.identity.passwords import hash_password
from sieuapp.core.tenancy.models import Tenant
from sieuapp.core.tenancy.provinces import create_tenant
from sqlalchemy import func, select

from .pages_helpers import PASSWORD, csrf, log_in
from .support import Clock, install_clock

PAGE = "/account/delegations"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return install_clock(monkeypatch)


@pytest.fixture
def platform(make_platform):
    p = make_platform(plugins=[])
    with unit_of_work(p.runtime.sessionmaker) as session:
        for username, name in (("buudien", "Bưu điện Huế"), ("chau", "Nguyễn Thị Cháu")):
            p.users[username] = accounts.create_user(session, username, None, name)
    return p


def token_for(platform, username: str, tenant: str = "hue") -> str:
    with unit_of_work(platform.runtime.sessionmaker) as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == tenant))
        user = session.scalar(select(User).where(User.username == username))
        secret, _ = accounts.issue_token(session, user, tenant_id, 600)
    return secret


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def as_user(platform, username: str, tenant: str = "hue"):
    client = platform.client(tenant=tenant)
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(platform, username, tenant)}"
    return client


def grant(platform, agent: str = "buudien", **fields):
    body = {"agent": agent, "purpose": "Nộp hồ sơ đất đai thay tôi", **fields}
    return as_user(platform, "citizen").post("/api/v1/me/delegations", json=body)


def agent_token(platform, delegation_id: int, agent: str = "buudien", **body) -> str:
    answer = as_user(platform, agent).post(
        f"/api/v1/me/delegations/{delegation_id}/token", json=body
    )
    assert answer.status_code == 200, answer.json
    return answer.json["access_token"]


def delegation_count(platform) -> int:
    with platform.context() as session:
        return session.scalar(select(func.count()).select_from(Delegation))


def entries(platform, action: str) -> list[AuditEntry]:
    with platform.context() as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ).all()
        session.expunge_all()
        return list(rows)


# -- recording and listing --------------------------------------------------------------------


def test_a_citizen_authorizes_an_agent_and_both_see_it(platform):
    answer = grant(platform, scope="profile openid", expires_at="2099-01-01T00:00:00+07:00")
    assert answer.status_code == 201, answer.json
    body = answer.json
    assert body["citizen"]["username"] == "citizen"
    assert body["agent"]["username"] == "buudien"
    assert body["recorded_by"]["username"] == "citizen"
    assert body["scope"] == "openid profile"
    assert body["status"] == "active"
    assert body["evidence"] is None

    mine = as_user(platform, "citizen").get("/api/v1/me/delegations").json
    assert [d["id"] for d in mine["given"]] == [body["id"]] and mine["received"] == []
    theirs = as_user(platform, "buudien").get("/api/v1/me/delegations").json
    assert [d["id"] for d in theirs["received"]] == [body["id"]] and theirs["given"] == []

    (entry,) = entries(platform, "delegation.granted")
    assert entry.actor_id == platform.users["citizen"].id
    assert entry.on_behalf_of is None
    assert entry.target == f"user:{platform.users['buudien'].id}"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"agent": "citizen"}, "agent"),
        ({"agent": "nobody-here"}, "agent"),
        ({"scope": "profile launch_missiles"}, "scope"),
        ({"expires_at": "2001-01-01T00:00:00+00:00"}, "expires_at"),
        ({"expires_at": "2099-01-01T00:00:00"}, "expires_at"),
        ({"purpose": ""}, "purpose"),
    ],
)
def test_bad_delegations_are_refused_with_the_field_named_and_nothing_recorded(
    platform, fields, field
):
    answer = grant(platform, **fields)
    assert answer.status_code == 422
    assert answer.json["code"] == "invalid_input"
    assert field in answer.json["errors"]
    assert delegation_count(platform) == 0
    assert entries(platform, "delegation.granted") == []


def test_an_inactive_agent_is_as_unknown(platform):
    with platform.context() as session:
        session.get(User, platform.users["buudien"].id).active = False
    answer = grant(platform)
    assert answer.status_code == 422 and "agent" in answer.json["errors"]


def test_the_messages_follow_the_callers_language(platform):
    answer = as_user(platform, "citizen").post(
        "/api/v1/me/delegations",
        json={"agent": "citizen", "purpose": "x"},
        headers={"Accept-Language": "en"},
    )
    assert answer.json["errors"]["agent"] == ["You cannot authorize yourself."]
    answer = grant(platform, agent="citizen")
    assert answer.json["errors"]["agent"] == ["Không thể ủy quyền cho chính mình."]


def test_anonymous_callers_are_refused(platform):
    client = platform.client()
    assert client.get("/api/v1/me/delegations").status_code == 401
    body = {"agent": "buudien", "purpose": "x"}
    assert client.post("/api/v1/me/delegations", json=body).status_code == 401
    body |= {"citizen": "citizen", "evidence": "GUQ-1"}
    assert client.post("/api/v1/admin/delegations", json=body).status_code == 401
    assert delegation_count(platform) == 0


# -- acting ------------------------------------------------------------------------------------


def test_the_agent_acts_for_the_citizen_and_the_audit_shows_both(platform):
    delegation = grant(platform).json
    token = agent_token(platform, delegation["id"])
    client = platform.client()
    me = client.get("/api/v1/me", headers=bearer(token)).json
    assert me["id"] == platform.users["citizen"].id
    assert me["acting"] == {"id": platform.users["buudien"].id, "username": "buudien"}
    # Without a delegation nobody is acting.
    assert as_user(platform, "citizen").get("/api/v1/me").json["acting"] is None

    # Any audited action in the agent's request names the agent, for the citizen.
    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
    (revoked,) = entries(platform, "auth.token_revoked")
    assert revoked.actor_id == platform.users["buudien"].id
    assert revoked.actor_label == "buudien"
    assert revoked.on_behalf_of == platform.users["citizen"].id

    (issued,) = entries(platform, "delegation.token_issued")
    assert issued.actor_id == platform.users["buudien"].id
    assert issued.on_behalf_of == platform.users["citizen"].id


def test_an_agent_token_is_short_lived_scoped_and_stored_with_its_actor(platform):
    expires = datetime.now(UTC) + timedelta(minutes=5)
    delegation = grant(platform, scope="openid profile", expires_at=expires.isoformat()).json
    answer = as_user(platform, "buudien").post(
        f"/api/v1/me/delegations/{delegation['id']}/token", json={}
    )
    assert answer.status_code == 200
    assert answer.json["scope"] == "openid profile"
    assert answer.json["acting_for"]["username"] == "citizen"
    assert 0 < answer.json["expires_in"] <= 300
    narrower = as_user(platform, "buudien").post(
        f"/api/v1/me/delegations/{delegation['id']}/token", json={"scope": "openid"}
    )
    assert narrower.json["scope"] == "openid"
    with platform.context() as session:
        tokens = session.scalars(select(Token).where(Token.actor_id.is_not(None))).all()
        assert len(tokens) == 2
        for token in tokens:
            assert token.user_id == platform.users["citizen"].id
            assert token.actor_id == platform.users["buudien"].id
            # Never outlives the delegation (SQLite drops sub-second precision).
            assert token.expires_at <= expires + timedelta(seconds=1)


def test_an_agent_cannot_widen_the_scope(platform):
    delegation = grant(platform, scope="openid").json
    answer = as_user(platform, "buudien").post(
        f"/api/v1/me/delegations/{delegation['id']}/token", json={"scope": "openid email"}
    )
    assert answer.status_code == 422 and "scope" in answer.json["errors"]


def test_an_agent_acts_with_citizen_roles_only(platform):
    """A delegation from an official does not lend the agent the official's powers."""
    body = {"agent": "buudien", "purpose": "Nộp hồ sơ"}
    delegation = as_user(platform, "official").post("/api/v1/me/delegations", json=body).json
    token = agent_token(platform, delegation["id"])
    client = platform.client()
    assert set(client.get("/api/v1/me", headers=bearer(token)).json["roles"]) == {
        "anonymous",
        "citizen",
    }
    assert client.get("/api/v1/admin/delegations", headers=bearer(token)).status_code == 403


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/me/delegations", None),
        ("post", "/api/v1/me/delegations", {"agent": "chau", "purpose": "x"}),
        ("delete", "/api/v1/me/delegations/{id}", None),
        ("post", "/api/v1/me/delegations/{id}/token", {}),
        ("post", "/api/v1/me/erasure", {"password": "x", "confirm": "citizen"}),
        ("get", "/api/v1/me/mfa", None),
        ("post", "/api/v1/me/mfa/totp", None),
        ("post", "/api/v1/me/mfa/totp/confirm", {"code": "123456"}),
        ("delete", "/api/v1/me/mfa/totp", {"code": "123456"}),
        ("get", "/api/v1/me/consents", None),
        ("delete", "/api/v1/me/consents/hello", None),
    ],
)
def test_an_agent_token_cannot_touch_what_only_the_holder_may(platform, method, path, body):
    delegation = grant(platform).json
    token = agent_token(platform, delegation["id"])
    url = path.format(id=delegation["id"])
    answer = getattr(platform.client(), method)(url, json=body, headers=bearer(token))
    assert answer.status_code == 403, (url, answer.status_code)
    assert answer.json["code"] == "forbidden"
    assert answer.json["errors"] == {
        "_request": ["An authorized agent cannot do this for the account holder."]
    }
    with platform.context() as session:
        assert session.get(User, platform.users["citizen"].id).active
        assert session.get(Delegation, delegation["id"]).revoked_at is None
        assert session.scalar(select(func.count()).select_from(Delegation)) == 1


def test_every_change_to_ones_own_account_is_for_the_holder_only(platform):
    # The guard that a new /api/v1/me endpoint cannot forget: an agent acts in services for the
    # citizen, and never changes the account itself.
    unmarked = [
        (rule.rule, sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}))
        for rule in platform.app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/me/")
        and rule.methods - {"GET", "HEAD", "OPTIONS"}
        and not getattr(platform.app.view_functions[rule.endpoint], "sieuapp_own_account", False)
    ]
    assert unmarked == []


def test_only_the_agent_obtains_a_token(platform):
    delegation = grant(platform).json
    url = f"/api/v1/me/delegations/{delegation['id']}/token"
    by_citizen = as_user(platform, "citizen").post(url, json={})
    assert by_citizen.status_code == 403 and by_citizen.json["code"] == "forbidden"
    by_stranger = as_user(platform, "chau").post(url, json={})
    assert by_stranger.status_code == 404
    missing = as_user(platform, "buudien").post("/api/v1/me/delegations/9999/token", json={})
    assert missing.status_code == 404
    with platform.context() as session:
        assert session.scalar(select(func.count()).where(Token.actor_id.is_not(None))) == 0


# -- revoked and expired -----------------------------------------------------------------------


def test_revoking_ends_the_agents_tokens_and_refuses_new_ones(platform):
    delegation = grant(platform).json
    token = agent_token(platform, delegation["id"])
    client = platform.client()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200

    # Only the citizen who gave it can revoke it through /me.
    by_agent = as_user(platform, "buudien").delete(f"/api/v1/me/delegations/{delegation['id']}")
    assert by_agent.status_code == 404
    answer = as_user(platform, "citizen").delete(f"/api/v1/me/delegations/{delegation['id']}")
    assert answer.status_code == 200 and answer.json["status"] == "revoked"

    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    again = as_user(platform, "buudien").post(
        f"/api/v1/me/delegations/{delegation['id']}/token", json={}
    )
    assert again.status_code == 409 and again.json["code"] == "conflict"
    (entry,) = entries(platform, "delegation.revoked")
    assert entry.actor_id == platform.users["citizen"].id
    # Revoking twice changes nothing more.
    twice = as_user(platform, "citizen").delete(f"/api/v1/me/delegations/{delegation['id']}")
    assert twice.status_code == 200
    assert len(entries(platform, "delegation.revoked")) == 1


def test_an_expired_delegation_gives_no_token(platform, clock):
    expires = clock.now + timedelta(days=1)
    delegation = grant(platform, expires_at=expires.isoformat()).json
    clock.now = expires + timedelta(seconds=1)
    answer = as_user(platform, "buudien").post(
        f"/api/v1/me/delegations/{delegation['id']}/token", json={}
    )
    assert answer.status_code == 409
    listed = as_user(platform, "citizen").get("/api/v1/me/delegations").json["given"]
    assert listed[0]["status"] == "expired"


def test_a_closed_agent_account_invalidates_its_tokens(platform):
    delegation = grant(platform).json
    token = agent_token(platform, delegation["id"])
    with platform.context() as session:
        session.get(User, platform.users["buudien"].id).active = False
    assert platform.client().get("/api/v1/me", headers=bearer(token)).status_code == 401


# -- officials recording signed forms ----------------------------------------------------------


def record(platform, by: str = "official", tenant: str = "hue", **fields):
    body = {
        "citizen": "citizen",
        "agent": "chau",
        "purpose": "Nhận lương hưu thay bà",
        "evidence": "GUQ-2026-0042",
        **fields,
    }
    return as_user(platform, by, tenant).post("/api/v1/admin/delegations", json=body)


def test_an_official_records_a_signed_form(platform):
    answer = record(platform)
    assert answer.status_code == 201, answer.json
    assert answer.json["evidence"] == "GUQ-2026-0042"
    assert answer.json["recorded_by"]["username"] == "official"
    (entry,) = entries(platform, "delegation.granted")
    assert entry.actor_id == platform.users["official"].id
    assert entry.on_behalf_of == platform.users["citizen"].id
    assert entry.target == f"user:{platform.users['chau'].id}"
    listed = as_user(platform, "official").get("/api/v1/admin/delegations?citizen=citizen")
    assert [d["id"] for d in listed.json] == [answer.json["id"]]
    # The citizen sees it and may revoke it.
    given = as_user(platform, "citizen").get("/api/v1/me/delegations").json["given"]
    assert given[0]["evidence"] == "GUQ-2026-0042"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"evidence": ""}, "evidence"),
        ({"citizen": "nobody-here"}, "citizen"),
        ({"agent": "citizen"}, "agent"),
    ],
)
def test_a_form_without_evidence_or_parties_is_refused(platform, fields, field):
    answer = record(platform, **fields)
    assert answer.status_code == 422 and field in answer.json["errors"]
    assert delegation_count(platform) == 0


def test_only_officials_record_forms(platform):
    assert record(platform, by="citizen").status_code == 403
    assert record(platform, by="partner").status_code == 403
    assert as_user(platform, "citizen").get("/api/v1/admin/delegations").status_code == 403
    assert delegation_count(platform) == 0


def test_an_official_of_another_province_cannot_record_or_revoke_here(platform):
    with unit_of_work(platform.runtime.sessionmaker) as session:
        danang = create_tenant(session, "danang", 48)
        officer = accounts.create_user(session, "canbo-dn", None, "Cán bộ Đà Nẵng")
        accounts.assign_role(session, officer, danang.id, "official")
    # Holding the role in Đà Nẵng lends nothing in Huế.
    assert record(platform, by="canbo-dn").status_code == 403
    recorded = record(platform).json
    # And from Đà Nẵng's host, Huế's delegation does not exist.
    there = as_user(platform, "canbo-dn", "danang")
    assert there.delete(f"/api/v1/admin/delegations/{recorded['id']}").status_code == 404
    assert there.get("/api/v1/admin/delegations").json == []
    # A Huế token is refused on Đà Nẵng's host altogether.
    elsewhere = platform.client(tenant="danang")
    token = token_for(platform, "official")
    assert elsewhere.get("/api/v1/admin/delegations", headers=bearer(token)).status_code == 401
    with platform.context() as session:
        assert session.get(Delegation, recorded["id"]).revoked_at is None


def test_only_the_recording_official_revokes_through_the_admin_api(platform):
    recorded = record(platform).json
    url = f"/api/v1/admin/delegations/{recorded['id']}"
    other = as_user(platform, "admin").delete(url)
    assert other.status_code == 403
    answer = as_user(platform, "official").delete(url)
    assert answer.status_code == 200 and answer.json["status"] == "revoked"
    (entry,) = entries(platform, "delegation.revoked")
    assert entry.actor_id == platform.users["official"].id
    assert entry.on_behalf_of == platform.users["citizen"].id


# -- the page ----------------------------------------------------------------------------------


def browser(platform, username: str):
    """A browser signed in to Huế's pages as ``username``, through the login form."""
    with platform.context() as session:
        user = session.scalar(select(User).where(User.username == username))
        user.password_hash = hash_password(PASSWORD)
    client = platform.client()
    assert log_in(client, username).status_code == 303
    return client


def test_the_page_sends_strangers_to_sign_in(platform):
    answer = platform.client().get("/account/delegations")
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith("/auth/login?next=%2Faccount%2Fdelegations")


def test_the_page_grants_lists_and_revokes(platform):
    client = browser(platform, "citizen")
    page = client.get("/account/delegations")
    assert page.status_code == 200
    assert "Ủy quyền" in page.text and 'name="agent"' in page.text
    form = {
        "csrf_token": csrf(client, PAGE),
        "agent": "chau",
        "purpose": "Đi chợ hộ",
        "expires_at": "",
    }
    granted = client.post("/account/delegations", data=form)
    assert granted.status_code == 303
    page = client.get("/account/delegations?lang=en").text
    assert "Đi chợ hộ" in page and "People who may act for you" in page
    (delegation_id,) = [d.id for d in _all(platform)]
    revoked = client.post(
        f"/account/delegations/{delegation_id}/revoke", data={"csrf_token": csrf(client, PAGE)}
    )
    assert revoked.status_code == 303
    assert _all(platform)[0].revoked_at is not None
    # The agent sees whom they may act for.
    assert "Nguyễn Văn An" in browser(platform, "chau").get("/account/delegations").text


def test_the_page_refuses_bad_forms(platform):
    client = browser(platform, "citizen")
    forged = client.post(
        "/account/delegations", data={"csrf_token": "wrong", "agent": "chau", "purpose": "x"}
    )
    assert forged.status_code == 403
    to_self = client.post(
        "/account/delegations",
        data={"csrf_token": csrf(client, PAGE), "agent": "citizen", "purpose": "x"},
    )
    assert to_self.status_code == 422
    assert 'aria-invalid="true" aria-describedby="agent-error"' in to_self.text
    past = client.post(
        "/account/delegations",
        data={
            "csrf_token": csrf(client, PAGE),
            "agent": "chau",
            "purpose": "x",
            "expires_at": "2001-01-01",
        },
    )
    assert past.status_code == 422 and "expires-error" in past.text
    assert _all(platform) == []


def _all(platform) -> list[Delegation]:
    with platform.context() as session:
        rows = session.scalars(select(Delegation)).all()
        session.expunge_all()
        return list(rows)
