from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.identity import accounts, mfa, totp
from sieuapp.core.identity.models import RecoveryCode, Token, TotpCredential, User
from sieuapp.core.identity.passwords import hash_password
from sieuapp.core.tenancy.models import Tenant
from sieuapp.sdk import Role
from sqlalchemy import func, select

from .support import Clock, install_clock

PASSWORD = "mat-khau-dai"
T0 = datetime(2026, 11, 23, 8, 0, 0, tzinfo=UTC)

# RFC 6238 Appendix B, the SHA-1 rows: the seed is ASCII "12345678901234567890", 8 digits.
RFC6238_SHA1 = [
    (59, 1, "94287082"),
    (1111111109, 0x23523EC, "07081804"),
    (1111111111, 0x23523ED, "14050471"),
    (1234567890, 0x273EF07, "89005924"),
    (2000000000, 0x3F940AA, "69279037"),
    (20000000000, 0x27BC86AA, "65353130"),
]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return install_clock(monkeypatch, T0)


@pytest.fixture
def platform(make_platform):
    """The seeded users, with passwords so that they can sign in."""
    p = make_platform(plugins=[])
    with p.context() as session:
        for user in session.scalars(select(User)):
            user.password_hash = hash_password(PASSWORD)
    return p


def login(client, username: str, password: str = PASSWORD):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def code_at(secret: str, when: datetime) -> str:
    return totp.totp(totp.decode_secret(secret), when.timestamp())


def enrol(platform, clock: Clock, username: str = "official") -> tuple[str, list[str]]:
    """Enrol ``username`` through the API; returns the secret and the recovery codes."""
    client = platform.client()
    token = login(client, username).json["access_token"]
    started = client.post("/api/v1/me/mfa/totp", headers=bearer(token))
    assert started.status_code == 201
    secret = started.json["secret"]
    confirmed = client.post(
        "/api/v1/me/mfa/totp/confirm",
        json={"code": code_at(secret, clock.now)},
        headers=bearer(token),
    )
    assert confirmed.status_code == 200, confirmed.json
    # The next code comes from the next step: the one just used is spent.
    clock.advance(totp.STEP)
    return secret, confirmed.json["recovery_codes"]


def audit_actions(platform) -> list[str]:
    with platform.context() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def token_count(platform) -> int:
    with platform.context() as session:
        return session.scalar(select(func.count()).select_from(Token))


# -- the algorithm -----------------------------------------------------------------------------


@pytest.mark.parametrize(("unix_time", "step", "expected"), RFC6238_SHA1)
def test_rfc6238_appendix_b_sha1_vectors(unix_time, step, expected):
    key = b"12345678901234567890"
    assert totp.time_step(unix_time) == step
    assert totp.totp(key, unix_time, digits=8) == expected


def test_rfc4226_appendix_d_hotp_values():
    expected = ["755224", "287082", "359152", "969429", "338314"]
    expected += ["254676", "287922", "162583", "399871", "520489"]
    assert [totp.hotp(b"12345678901234567890", c) for c in range(10)] == expected


def test_a_code_is_accepted_one_step_either_side_and_no_further():
    key = totp.decode_secret(totp.new_secret())
    now = T0.timestamp()
    current = totp.time_step(now)
    for offset in (-1, 0, 1):
        code = totp.hotp(key, current + offset)
        assert totp.matching_step(key, code, now) == current + offset
    for offset in (-2, 2):
        code = totp.hotp(key, current + offset)
        # A far code may collide with a near one by chance (1 in 10^6); then it is that step.
        assert totp.matching_step(key, code, now) in {None, current - 1, current, current + 1}
        if code not in {totp.hotp(key, current + o) for o in (-1, 0, 1)}:
            assert totp.matching_step(key, code, now) is None


def test_provisioning_uri_is_what_authenticator_apps_read():
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXP", "official", "Huế")
    assert uri.startswith("otpauth://totp/Hu%E1%BA%BF%3Aofficial?")
    for part in ("secret=JBSWY3DPEHPK3PXP", "issuer=Hu%E1%BA%BF", "algorithm=SHA1", "digits=6"):
        assert part in uri
    assert "period=30" in uri


# -- sign-in -----------------------------------------------------------------------------------


def test_a_citizen_is_not_asked_for_a_second_factor(platform, clock):
    response = login(platform.client(), "citizen")
    assert response.status_code == 200
    assert "mfa_required" not in response.json
    assert response.json.get("scope") is None
    me = platform.client().get("/api/v1/me", headers=bearer(response.json["access_token"]))
    assert me.status_code == 200


@pytest.mark.parametrize("username", ["official", "ioc", "admin"])
def test_an_unenrolled_official_gets_an_enrolment_only_token(platform, clock, username):
    response = login(platform.client(), username)
    assert response.status_code == 200
    assert response.json["scope"] == "mfa_enroll"
    assert response.json["mfa_enrollment_required"] is True
    assert response.json["expires_in"] == mfa.ENROLMENT_TOKEN_TTL
    status = platform.client().get("/api/v1/me/mfa", headers=bearer(response.json["access_token"]))
    assert status.json == {"totp": False, "required": True, "recovery_codes_left": 0}


def test_an_enrolment_only_token_cannot_use_admin_endpoints(platform, clock):
    token = login(platform.client(), "admin").json["access_token"]
    client = platform.client()
    for method, path in [
        ("get", "/api/v1/admin/users"),
        ("get", "/api/v1/me"),
        ("get", "/api/v1/admin/plugins"),
    ]:
        response = getattr(client, method)(path, headers={**bearer(token), "Accept-Language": "en"})
        assert response.status_code == 403, path
        assert response.json["code"] == "forbidden"
        assert response.json["message"] == (
            "Enrol two-factor authentication before using this account."
        )
    vietnamese = client.get("/api/v1/admin/users", headers=bearer(token))
    assert vietnamese.json["message"] == "Hãy bật xác thực hai lớp trước khi dùng tài khoản này."
    # The same admin with a full token (issued after a second factor) is let in.
    assert platform.client("province_admin").get("/api/v1/admin/users").status_code == 200


def test_enrolment_round_trip_then_sign_in_with_totp(platform, clock):
    secret, recovery = enrol(platform, clock)
    assert len(recovery) == mfa.RECOVERY_CODE_COUNT
    assert len(set(recovery)) == mfa.RECOVERY_CODE_COUNT
    with platform.context() as session:
        stored = session.scalars(select(RecoveryCode.code_hash)).all()
        cred = session.scalar(select(TotpCredential))
    assert len(stored) == mfa.RECOVERY_CODE_COUNT
    assert not set(recovery) & set(stored)
    assert cred.confirmed_at is not None

    client = platform.client()
    before = token_count(platform)
    first = login(client, "official")
    assert first.status_code == 200
    assert first.json["mfa_required"] is True
    assert "access_token" not in first.json
    assert token_count(platform) == before

    answered = client.post(
        "/api/v1/auth/mfa",
        json={"mfa_token": first.json["mfa_token"], "code": code_at(secret, clock.now)},
    )
    assert answered.status_code == 200, answered.json
    me = client.get("/api/v1/me", headers=bearer(answered.json["access_token"]))
    assert me.status_code == 200
    assert "official" in me.json["roles"]
    assert "mfa.enrolled" in audit_actions(platform)


def test_missing_totp_gives_no_token(platform, clock):
    enrol(platform, clock)
    client = platform.client()
    challenge = login(client, "official").json["mfa_token"]
    before = token_count(platform)
    missing = client.post("/api/v1/auth/mfa", json={"mfa_token": challenge})
    assert missing.status_code == 422
    assert "code" in missing.json["errors"]
    # The challenge is not itself a bearer token.
    assert client.get("/api/v1/me", headers=bearer(challenge)).status_code == 401
    assert token_count(platform) == before


def test_a_wrong_code_is_refused_audited_and_uses_up_the_challenge(platform, clock):
    secret, _ = enrol(platform, clock)
    client = platform.client()
    challenge = login(client, "official").json["mfa_token"]
    right = code_at(secret, clock.now)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    response = client.post(
        "/api/v1/auth/mfa",
        json={"mfa_token": challenge, "code": wrong},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 401
    assert response.json["errors"] == {"code": ["The code is wrong, expired or already used."]}
    assert audit_actions(platform)[-1] == "auth.mfa_failed"
    for _ in range(mfa.CHALLENGE_MAX_FAILURES - 1):
        client.post("/api/v1/auth/mfa", json={"mfa_token": challenge, "code": wrong})
    # Guessing is capped: after the limit even the right code needs a new password.
    dead = client.post("/api/v1/auth/mfa", json={"mfa_token": challenge, "code": right})
    assert dead.status_code == 401
    assert "mfa_token" in dead.json["errors"]


def test_a_code_from_too_far_away_is_refused(platform, clock):
    secret, _ = enrol(platform, clock)
    client = platform.client()
    challenge = login(client, "official").json["mfa_token"]
    stale = code_at(secret, clock.now - timedelta(seconds=3 * totp.STEP))
    if stale in {code_at(secret, clock.now + timedelta(seconds=o * 30)) for o in (-1, 0, 1)}:
        pytest.skip("the stale code collides with a valid one (1 in 10^6)")
    response = client.post("/api/v1/auth/mfa", json={"mfa_token": challenge, "code": stale})
    assert response.status_code == 401


def test_a_replayed_code_is_refused(platform, clock):
    secret, _ = enrol(platform, clock)
    client = platform.client()
    code = code_at(secret, clock.now)
    first = client.post(
        "/api/v1/auth/mfa",
        json={"mfa_token": login(client, "official").json["mfa_token"], "code": code},
    )
    assert first.status_code == 200
    # Still inside the accepted window, the same code on a fresh challenge is a replay.
    clock.advance(10)
    replay = client.post(
        "/api/v1/auth/mfa",
        json={"mfa_token": login(client, "official").json["mfa_token"], "code": code},
    )
    assert replay.status_code == 401
    # So is the previous step's code, though inside the ±1 window.
    earlier = code_at(secret, clock.now - timedelta(seconds=totp.STEP))
    older = client.post(
        "/api/v1/auth/mfa",
        json={"mfa_token": login(client, "official").json["mfa_token"], "code": earlier},
    )
    assert older.status_code == 401
    clock.advance(totp.STEP)
    fresh = client.post(
        "/api/v1/auth/mfa",
        json={
            "mfa_token": login(client, "official").json["mfa_token"],
            "code": code_at(secret, clock.now),
        },
    )
    assert fresh.status_code == 200


def test_a_challenge_is_single_use_and_short_lived(platform, clock):
    secret, _ = enrol(platform, clock)
    client = platform.client()
    challenge = login(client, "official").json["mfa_token"]
    ok = client.post(
        "/api/v1/auth/mfa", json={"mfa_token": challenge, "code": code_at(secret, clock.now)}
    )
    assert ok.status_code == 200
    clock.advance(totp.STEP)
    again = client.post(
        "/api/v1/auth/mfa", json={"mfa_token": challenge, "code": code_at(secret, clock.now)}
    )
    assert again.status_code == 401
    assert "mfa_token" in again.json["errors"]

    late = login(client, "official").json["mfa_token"]
    clock.advance(mfa.CHALLENGE_TTL + 1)
    expired = client.post(
        "/api/v1/auth/mfa", json={"mfa_token": late, "code": code_at(secret, clock.now)}
    )
    assert expired.status_code == 401
    assert "mfa_token" in expired.json["errors"]


def test_a_recovery_code_works_once(platform, clock):
    _, recovery = enrol(platform, clock)
    client = platform.client()
    # People type them in capitals or without dashes; both are the same code.
    typed = recovery[0].upper().replace("-", " ")
    first = client.post(
        "/api/v1/auth/mfa",
        json={"mfa_token": login(client, "official").json["mfa_token"], "code": typed},
    )
    assert first.status_code == 200
    assert "mfa.recovery_code_used" in audit_actions(platform)
    again = client.post(
        "/api/v1/auth/mfa",
        json={"mfa_token": login(client, "official").json["mfa_token"], "code": recovery[0]},
    )
    assert again.status_code == 401
    status = client.get("/api/v1/me/mfa", headers=bearer(first.json["access_token"]))
    assert status.json["recovery_codes_left"] == mfa.RECOVERY_CODE_COUNT - 1


def test_confirming_with_a_wrong_code_keeps_totp_off(platform, clock):
    client = platform.client()
    token = login(client, "official").json["access_token"]
    secret = client.post("/api/v1/me/mfa/totp", headers=bearer(token)).json["secret"]
    right = code_at(secret, clock.now)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    response = client.post(
        "/api/v1/me/mfa/totp/confirm", json={"code": wrong}, headers=bearer(token)
    )
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["code"]
    with platform.context() as session:
        assert not mfa.is_enrolled(session, platform.users[Role.OFFICIAL].id)
        assert session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert "auth.mfa_failed" in audit_actions(platform)
    # Still unenrolled, so the next sign-in still gets an enrolment-only token.
    assert login(client, "official").json["scope"] == "mfa_enroll"


def test_enrolling_twice_is_a_conflict(platform, clock):
    enrol(platform, clock, "citizen")
    client = platform.client()
    challenge = login(client, "citizen").json["mfa_token"]
    assert challenge  # a citizen who chose TOTP is asked for it too
    with platform.context() as session:
        user = session.get(User, platform.users[Role.CITIZEN].id)
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == platform.tenant_slug))
        token, _ = accounts.issue_token(session, user, tenant_id, 60)
    again = client.post("/api/v1/me/mfa/totp", headers=bearer(token))
    assert again.status_code == 409


def test_turning_totp_off_needs_a_current_code(platform, clock):
    secret, _ = enrol(platform, clock)
    client = platform.client()
    token = client.post(
        "/api/v1/auth/mfa",
        json={
            "mfa_token": login(client, "official").json["mfa_token"],
            "code": code_at(secret, clock.now),
        },
    ).json["access_token"]
    clock.advance(totp.STEP)
    right = code_at(secret, clock.now)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    refused = client.delete("/api/v1/me/mfa/totp", json={"code": wrong}, headers=bearer(token))
    assert refused.status_code == 422
    with platform.context() as session:
        assert mfa.is_enrolled(session, platform.users[Role.OFFICIAL].id)
    removed = client.delete("/api/v1/me/mfa/totp", json={"code": right}, headers=bearer(token))
    assert removed.status_code == 204
    with platform.context() as session:
        assert session.scalar(select(func.count()).select_from(TotpCredential)) == 0
        assert session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert "mfa.disabled" in audit_actions(platform)
    # An official without TOTP is back to an enrolment-only token.
    assert login(client, "official").json["scope"] == "mfa_enroll"


def test_an_enrolment_only_token_cannot_turn_totp_off(platform, clock):
    token = login(platform.client(), "official").json["access_token"]
    response = platform.client().delete(
        "/api/v1/me/mfa/totp", json={"code": "123456"}, headers=bearer(token)
    )
    assert response.status_code == 403


# -- configuration -----------------------------------------------------------------------------


def test_the_roles_that_need_a_second_factor_are_configurable(make_platform, clock):
    platform = make_platform(plugins=[], mfa_roles=("province_admin",))
    with platform.context() as session:
        for user in session.scalars(select(User)):
            user.password_hash = hash_password(PASSWORD)
    assert "scope" not in login(platform.client(), "official").json
    assert login(platform.client(), "admin").json["scope"] == "mfa_enroll"


def test_an_unknown_role_in_the_setting_stops_the_start(make_platform):
    with pytest.raises(ValueError, match="SIEUAPP_MFA_ROLES names unknown roles: officials"):
        make_platform(plugins=[], mfa_roles=("officials",))
