"""The audit log answers an admin's question "what happened to this person, and when": each
identity event is written where it happens, and ``user`` with ``since``/``until`` finds it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.db import unit_of_work
from sieuapp.core.identity import accounts, totp
from sieuapp.core.identity.models import User
from sieuapp.core.identity.passwords import hash_password
from sqlalchemy import select

PASSWORD = "mat-khau-dai"
T0 = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
#: What the issue asks the audit to show, and the actions that show it.
EVENTS = (
    "auth.login",
    "auth.login_failed",
    "role.granted",
    "role.withdrawn",
    "mfa.enrolled",
    "auth.token_revoked",
    "delegation.granted",
)


@pytest.fixture
def platform(make_platform):
    p = make_platform(plugins=[], mfa_roles=())
    hashed = hash_password(PASSWORD)
    with unit_of_work(p.runtime.sessionmaker) as session:
        p.users["buudien"] = accounts.create_user(session, "buudien", None, "Bưu điện")
        for user in session.scalars(select(User)):
            user.password_hash = hashed
    return p


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def admin(platform):
    return platform.client("province_admin")


def query(platform, **params) -> list[dict]:
    answer = admin(platform).get("/api/v1/admin/audit", query_string={"page_size": 500, **params})
    assert answer.status_code == 200, answer.json
    return answer.json["entries"]


def live_events(platform) -> dict[str, str]:
    """Make each event happen through the API, as the citizen and to the citizen; returns
    the user ids involved."""
    client = platform.client()
    citizen_id = platform.users["citizen"].id
    failed = client.post("/api/v1/auth/login", json={"username": "citizen", "password": "sai"})
    assert failed.status_code == 401
    token = client.post(
        "/api/v1/auth/login", json={"username": "citizen", "password": PASSWORD}
    ).json["access_token"]
    granted = admin(platform).post(
        f"/api/v1/admin/users/{citizen_id}/roles", json={"role": "official"}
    )
    assert granted.status_code == 200
    (assignment,) = [r["id"] for r in granted.json["roles"] if r["role"] == "official"]
    withdrawn = admin(platform).delete(f"/api/v1/admin/users/{citizen_id}/roles/{assignment}")
    assert withdrawn.status_code == 200
    secret = client.post("/api/v1/me/mfa/totp", headers=bearer(token)).json["secret"]
    code = totp.totp(totp.decode_secret(secret), time.time())
    confirmed = client.post(
        "/api/v1/me/mfa/totp/confirm", json={"code": code}, headers=bearer(token)
    )
    assert confirmed.status_code == 200, confirmed.json
    delegation = client.post(
        "/api/v1/me/delegations",
        json={"agent": "buudien", "purpose": "Nộp hồ sơ"},
        headers=bearer(token),
    )
    assert delegation.status_code == 201
    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
    # Someone else's sign-in, which must not show up in the citizen's log.
    assert (
        client.post("/api/v1/auth/login", json={"username": "ioc", "password": PASSWORD})
    ).status_code == 200
    return {"citizen": citizen_id, "agent": platform.users["buudien"].id}


def spread_over_days(platform) -> dict[str, datetime]:
    """Move the citizen's entries to one day each (in the order they happened), so that a
    period can be asked for without waiting; returns the day of each action."""
    days = {}
    with platform.context() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        for index, entry in enumerate(rows):
            entry.at = T0 + timedelta(days=index)
            days.setdefault(entry.action, entry.at)
    return days


def test_each_identity_event_is_found_by_user(platform):
    ids = live_events(platform)
    found = query(platform, user=ids["citizen"])
    actions = {e["action"] for e in found}
    assert set(EVENTS) <= actions, set(EVENTS) - actions
    # Nothing about anyone else: the other user's sign-in is not there.
    for entry in found:
        assert ids["citizen"] in (
            entry["actor_id"],
            entry["on_behalf_of"],
            entry["target"],
            (entry["target"] or "").removeprefix("user:"),
        ) or (entry["actor_id"] is None and entry["actor_label"] == "citizen")
    logins = [e for e in found if e["action"] == "auth.login"]
    assert len(logins) == 1


def test_an_agents_actions_are_found_by_either_person(platform):
    ids = live_events(platform)
    with platform.context() as session:
        from sieuapp.core.identity.delegation.models import Delegation

        delegation_id = session.scalar(select(Delegation.id))
    agent = platform.client()
    own = agent.post("/api/v1/auth/login", json={"username": "buudien", "password": PASSWORD}).json[
        "access_token"
    ]
    acting = agent.post(
        f"/api/v1/me/delegations/{delegation_id}/token", json={}, headers=bearer(own)
    ).json["access_token"]
    assert agent.post("/api/v1/auth/logout", headers=bearer(acting)).status_code == 204
    for who in ("citizen", "agent"):
        revoked = [e for e in query(platform, user=ids[who]) if e["action"] == "auth.token_revoked"]
        assert {(e["actor_id"], e["on_behalf_of"]) for e in revoked} >= {
            (ids["agent"], ids["citizen"])
        }


@pytest.mark.parametrize("action", EVENTS)
def test_each_event_is_found_by_user_and_period(platform, action):
    ids = live_events(platform)
    days = spread_over_days(platform)
    day = days[action]
    within = query(
        platform,
        user=ids["citizen"],
        since=day.isoformat(),
        until=(day + timedelta(hours=1)).isoformat(),
    )
    assert [e["action"] for e in within] == [action]
    before = query(platform, user=ids["citizen"], until=(day - timedelta(hours=1)).isoformat())
    assert action not in {e["action"] for e in before}
    after = query(platform, user=ids["citizen"], since=(day + timedelta(hours=1)).isoformat())
    assert action not in {e["action"] for e in after}
    assert len(before) + len(within) + len(after) == len(query(platform, user=ids["citizen"]))


def test_the_user_filter_combines_with_the_others(platform):
    ids = live_events(platform)
    only = query(platform, user=ids["citizen"], action="role.granted")
    assert [e["action"] for e in only] == ["role.granted"]
    assert query(platform, user=ids["citizen"], action="auth.login", actor="nobody") == []
    assert query(platform, user="no-such-user") == []


def test_the_audit_query_is_for_province_admins_only(platform):
    for role in ("citizen", "official", "ioc_operator"):
        answer = platform.client(role).get("/api/v1/admin/audit", query_string={"user": "x"})
        assert answer.status_code == 403 and answer.json["code"] == "forbidden"
    assert platform.client().get("/api/v1/admin/audit").status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"user": "x" * 33}, "user"),
        ({"user": ""}, "user"),
        ({"since": "2026-01-02T00:00:00+00:00", "until": "2026-01-01T00:00:00+00:00"}, "since"),
        ({"since": "2026-01-02T00:00:00"}, "since"),
    ],
)
def test_bad_queries_name_the_field(platform, params, field):
    answer = admin(platform).get("/api/v1/admin/audit", query_string=params)
    assert answer.status_code == 422
    assert field in answer.json["errors"]
