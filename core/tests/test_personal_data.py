"""Personal data: the export holds everything about the caller (never a secret) and each enabled
plugin's answer; a failing plugin is named, not fatal. Erasure needs the password (or a fresh
browser sign-in) and the username typed; it erases the core's data and every plugin's, keeps
what the law requires with the reason, and can be run again."""

from __future__ import annotations

import hashlib
import json
import re
import sys
import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.db import unit_of_work
from sieuapp.core.identity import accounts
from sieuapp.core.identity.assurance.models import IdentityVerification, PhoneVerification
from sieuapp.core.identity.delegation.models import Delegation
from sieuapp.core.identity.federation.models import FederatedIdentity
from sieuapp.core.identity.models import Consent, RecoveryCode, Token, TotpCredential, User
from sieuapp.core.identity.passwords import hash_password
from sieuapp.core.identity.personal_data import erasure
from sieuapp.core.plugins.synthetic import plugin_source
from sieuapp.core.tasks.models import OutboxMessage
from sieuapp.core.tenancy.models import Tenant
from sqlalchemy import func, select, text, update

from .pages_helpers import PASSWORD, csrf, log_in

NOTEBOOK = textwrap.dedent(
    """
    import sqlalchemy as sa
    from sieuapp.sdk import Erasure, Manifest, Scope, hookimpl, text

    NOTES = sa.table(
        "notebook_notes", sa.column("tenant_id"), sa.column("user_id"), sa.column("note")
    )


    @hookimpl
    def manifest():
        return Manifest(
            id="notebook",
            name=text("Sổ tay", "Notebook"),
            description=text("Ghi chép của công dân", "Citizens' notes"),
            sdk_api=">=1.0,<2",
            scopes=(Scope("notebook.read", text("Đọc ghi chép", "Read notes")),),
            migrations="sieuapp_synthetic_notebook:migrations",
        )


    def _mine(user_id, tenant):
        return (NOTES.c.user_id == user_id) & (NOTES.c.tenant_id == tenant.id)


    @hookimpl
    def export_user_data(user_id, tenant, services):
        rows = services.db.session.execute(sa.select(NOTES.c.note).where(_mine(user_id, tenant)))
        return {"notes": sorted(rows.scalars())}


    @hookimpl
    def erase_user_data(user_id, tenant, services):
        count = services.db.session.execute(sa.delete(NOTES).where(_mine(user_id, tenant))).rowcount
        kept = {
            text("Hóa đơn lệ phí", "Fee receipts"): text(
                "Luật Kế toán: chứng từ kế toán phải được lưu trữ",
                "Law on Accounting: accounting records must be kept",
            )
        }
        if not count:
            return Erasure(kept=kept)
        return Erasure(erased=[text(f"{count} ghi chú", f"{count} notes")], kept=kept)
    """
)

MIGRATION = textwrap.dedent(
    """
    import sqlalchemy as sa
    from alembic import op

    revision = "notebook_0001"
    down_revision = None
    branch_labels = ("notebook",)
    depends_on = ("0001",)


    def upgrade():
        op.create_table(
            "notebook_notes",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("tenant_id", sa.Integer(), nullable=False),
            sa.Column("user_id", sa.String(32), nullable=False),
            sa.Column("note", sa.String(200), nullable=False),
        )


    def downgrade():
        op.drop_table("notebook_notes")
    """
)

#: Fails both hooks until the environment says it is repaired; writes before failing, so
#: that the test sees a failed hook's writes undone.
FLAKY = """
import os

from sieuapp.sdk import Erasure


def _check():
    if os.environ.get("SIEUAPP_TEST_FLAKY_OK") != "1":
        raise RuntimeError("archive service down")


@hookimpl
def export_user_data(user_id, tenant, services):
    _check()
    return {"archived": True}


@hookimpl
def erase_user_data(user_id, tenant, services):
    services.audit.record("half_done", target="user:" + user_id)
    _check()
    return Erasure(erased=["archive"])
"""


def write_notebook(site: Path) -> None:
    # Another test may have imported a package of this name from its own folder.
    for name in [m for m in sys.modules if m.split(".")[0] == "sieuapp_synthetic_notebook"]:
        del sys.modules[name]
    package = site / "sieuapp_synthetic_notebook"
    (package / "migrations").mkdir(parents=True)
    (package / "__init__.py").write_text(NOTEBOOK)
    (package / "migrations" / "notebook_0001.py").write_text(MIGRATION)
    info = site / "sieuapp_synthetic_notebook-1.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: sieuapp_synthetic_notebook\nVersion: 1.0.0\n"
    )
    (info / "entry_points.txt").write_text(
        "[sieuapp.plugins]\nnotebook = sieuapp_synthetic_notebook\n"
    )


@pytest.fixture
def platform(make_platform, synthetic, plugin_dir, monkeypatch):
    monkeypatch.delenv("SIEUAPP_TEST_FLAKY_OK", raising=False)
    write_notebook(plugin_dir)
    synthetic("flaky", plugin_source("flaky", extra=FLAKY))
    p = make_platform(plugins=["notebook", "flaky"], entry_points=synthetic.entry_points())
    hashed = hash_password(PASSWORD)
    with unit_of_work(p.runtime.sessionmaker) as session:
        p.users["buudien"] = accounts.create_user(session, "buudien", None, "Bưu điện Huế")
        for user in session.scalars(select(User)):
            user.password_hash = hashed
    return p


def ids(platform) -> tuple[str, str, int]:
    with platform.context() as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == "hue"))
    return platform.users["citizen"].id, platform.users["buudien"].id, tenant_id


def seed(platform) -> dict[str, str]:
    """Something of every kind held about the citizen; returns the secrets that must never
    appear in an export."""
    citizen, agent, tenant_id = ids(platform)
    with platform.context() as session:
        for user_id, note in ((citizen, "Hồ sơ đất"), (citizen, "Điện nước"), (agent, "Khác")):
            session.execute(
                text("INSERT INTO notebook_notes (tenant_id, user_id, note) VALUES (:t, :u, :n)"),
                {"t": tenant_id, "u": user_id, "n": note},
            )
        session.add(
            Consent(
                user_id=citizen, tenant_id=tenant_id, plugin_id="notebook", scopes="notebook.read"
            )
        )
        session.add(
            TotpCredential(
                user_id=citizen, secret="JBSWY3DPEHPK3PXPJBSWY3DP", confirmed_at=datetime.now(UTC)
            )
        )
        session.add(RecoveryCode(user_id=citizen, code_hash=hashlib.sha256(b"r1").hexdigest()))
        session.add(
            PhoneVerification(
                user_id=citizen,
                phone="0905000000",
                code_hash=hashlib.sha256(b"123456").hexdigest(),
                expires_at=datetime.now(UTC) + timedelta(minutes=5),
            )
        )
        session.add(
            IdentityVerification(
                user_id=citizen,
                national_id="046090001234",
                full_name="Nguyễn Văn An",
                birthdate=date(1950, 3, 2),
                provider="registry",
                trust_framework="vn_cccd",
                reference="chk-1",
            )
        )
        session.add(
            FederatedIdentity(
                user_id=citizen, provider="vneid", issuer="https://vneid.test", subject="s-123"
            )
        )
        session.add(
            Delegation(
                tenant_id=tenant_id,
                citizen_id=citizen,
                agent_id=agent,
                purpose="Nộp hồ sơ",
                recorded_by=citizen,
            )
        )
        session.add(
            Delegation(
                tenant_id=tenant_id,
                citizen_id=agent,
                agent_id=citizen,
                purpose="Nhận thư",
                recorded_by=agent,
            )
        )
    token = platform.token("citizen")
    return {
        "token": token,
        "digest": hashlib.sha256(token.encode()).hexdigest(),
        "totp": "JBSWY3DPEHPK3PXPJBSWY3DP",
        "recovery": hashlib.sha256(b"r1").hexdigest(),
        "otp": hashlib.sha256(b"123456").hexdigest(),
    }


def notes(platform) -> dict[str, int]:
    with platform.context() as session:
        rows = session.execute(
            text("SELECT user_id, count(*) FROM notebook_notes GROUP BY user_id")
        )
        return {user_id: count for user_id, count in rows}


def actions(platform, action: str) -> list[AuditEntry]:
    with platform.context() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        session.expunge_all()
        return list(rows)


# -- export ------------------------------------------------------------------------------------


def test_the_export_holds_everything_and_no_secret(platform):
    secrets = seed(platform)
    answer = platform.client("citizen").get("/api/v1/me/data")
    assert answer.status_code == 200, answer.json
    raw = answer.get_data(as_text=True)
    for name, secret in secrets.items():
        assert secret not in raw, name
    assert "hash" not in raw
    data = answer.json
    citizen, agent, _ = ids(platform)
    assert data["account"]["id"] == citizen and data["account"]["username"] == "citizen"
    assert data["account"]["has_password"] is True
    assert data["tokens"] and all(t["tenant"] == "hue" for t in data["tokens"])
    assert data["consents"] == [
        {
            "tenant": "hue",
            "plugin": "notebook",
            "scopes": ["notebook.read"],
            "granted_at": data["consents"][0]["granted_at"],
            "revoked_at": None,
        }
    ]
    assert data["mfa"]["totp_enrolled"] is True and data["mfa"]["recovery_codes_left"] == 1
    assert data["assurance"]["identity_verifications"][0]["national_id"] == "046090001234"
    assert data["assurance"]["phone_verifications"][0]["phone"] == "0905000000"
    assert data["federated_identities"][0]["subject"] == "s-123"
    assert [d["agent"]["id"] for d in data["delegations"]["given"]] == [agent]
    assert [d["citizen"]["id"] for d in data["delegations"]["received"]] == [agent]
    assert "data.exported" in {e["action"] for e in data["audit"]}
    # Each enabled plugin's answer, by plugin id and tenant: only this user's rows.
    assert data["plugins"] == {"notebook": {"hue": {"notes": ["Hồ sơ đất", "Điện nước"]}}}
    json.dumps(data)


def test_a_failing_plugin_is_named_and_the_export_still_answers(platform):
    seed(platform)
    answer = platform.client("citizen").get("/api/v1/me/data", headers={"Accept-Language": "en"})
    assert answer.status_code == 200
    assert answer.json["complete"] is False
    assert answer.json["failed_plugins"] == [
        {
            "plugin": "flaky",
            "tenant": "hue",
            "message": "This service could not answer now; its data is missing from this "
            "export. Try again later.",
        }
    ]
    assert answer.json["plugins"]["notebook"]["hue"]["notes"]
    (entry,) = actions(platform, "data.exported")
    assert entry.actor_id == ids(platform)[0]
    assert entry.after == {"plugins": ["notebook"], "failed_plugins": ["flaky"]}
    # The failure was counted against the plugin, like any hook failure.
    state = platform.client("province_admin").get("/api/v1/admin/plugins/flaky").json["state"]
    assert state["failure_count"] == 1
    assert "archive service down" in state["last_failure"]


def test_a_repaired_plugin_answers_and_a_disabled_one_is_not_asked(platform, monkeypatch):
    monkeypatch.setenv("SIEUAPP_TEST_FLAKY_OK", "1")
    platform.disable("notebook")
    answer = platform.client("citizen").get("/api/v1/me/data?download=1")
    assert answer.json["plugins"] == {"flaky": {"hue": {"archived": True}}}
    assert answer.json["complete"] is True
    assert answer.headers["Content-Disposition"].startswith("attachment; filename=")


def test_an_agent_exporting_for_a_citizen_is_audited_as_both(platform):
    citizen, agent, tenant_id = ids(platform)
    with platform.context() as session:
        session.add(
            Delegation(
                tenant_id=tenant_id,
                citizen_id=citizen,
                agent_id=agent,
                purpose="x",
                recorded_by=citizen,
            )
        )
    with platform.context() as session:
        delegation_id = session.scalar(select(Delegation.id))
        secret, _ = accounts.issue_token(session, session.get(User, agent), tenant_id, 600)
    client = platform.client()
    acting = client.post(
        f"/api/v1/me/delegations/{delegation_id}/token",
        json={},
        headers={"Authorization": f"Bearer {secret}"},
    ).json["access_token"]
    answer = client.get("/api/v1/me/data", headers={"Authorization": f"Bearer {acting}"})
    assert answer.json["account"]["id"] == citizen
    (entry,) = actions(platform, "data.exported")
    assert (entry.actor_id, entry.on_behalf_of) == (agent, citizen)


def test_the_export_needs_a_signed_in_caller(platform):
    assert platform.client().get("/api/v1/me/data").status_code == 401


# -- erasure -----------------------------------------------------------------------------------


def erase(platform, token: str | None = None, **body):
    client = platform.client()
    token = token or platform.token("citizen")
    body = {"password": PASSWORD, "confirm": "citizen", **body}
    return client.post(
        "/api/v1/me/erasure", json=body, headers={"Authorization": f"Bearer {token}"}
    )


def assert_nothing_erased(platform) -> None:
    citizen, _, _ = ids(platform)
    with platform.context() as session:
        user = session.get(User, citizen)
        assert user.active and user.username == "citizen" and user.full_name
        assert session.scalar(select(func.count()).select_from(Delegation)) == 2
        assert session.scalar(select(func.count()).select_from(TotpCredential)) == 1
    assert notes(platform)[citizen] == 2
    assert actions(platform, "data.erasure") == []


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"password": "sai-mat-khau"}, 401, "password"),
        ({"password": None}, 422, "password"),
        ({"confirm": "someone-else"}, 422, "confirm"),
        ({"confirm": ""}, 422, "confirm"),
    ],
)
def test_erasure_refuses_without_the_password_and_confirmation(platform, body, status, field):
    seed(platform)
    answer = erase(platform, **body)
    assert answer.status_code == status
    assert field in answer.json["errors"]
    assert_nothing_erased(platform)
    # The token still works: nothing was revoked.
    assert platform.client("citizen").get("/api/v1/me").status_code == 200


def test_a_wrong_password_counts_as_a_failed_sign_in(platform):
    seed(platform)
    erase(platform, password="sai-mat-khau")
    (entry,) = actions(platform, "auth.login_failed")
    assert entry.actor_label == "citizen"


def test_an_account_without_password_erases_from_the_page(platform):
    seed(platform)
    with platform.context() as session:
        session.get(User, ids(platform)[0]).password_hash = None
    answer = erase(platform)
    assert answer.status_code == 422 and "password" in answer.json["errors"]
    assert_nothing_erased(platform)


def test_erasure_erases_keeps_what_the_law_requires_and_says_why(platform):
    secrets = seed(platform)
    citizen, agent, _ = ids(platform)
    answer = erase(platform, token=secrets["token"])
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["message"].startswith("Tài khoản của bạn đã bị xóa")
    core = {item["category"]: item for item in body["erased"] if item["source"] == "core"}
    assert set(core) == set(erasure.ERASED)
    assert core["delegations"]["count"] == 2 and core["mfa"]["count"] == 2
    for item in body["erased"] + body["kept"]:
        assert item["what"]["vi"] and item["what"]["en"]
    kept = {(k["source"], k["category"]): k for k in body["kept"]}
    assert set(kept) == {
        ("core", "audit_log"),
        ("core", "identity_verifications"),
        ("core", "payments"),
        ("core", "reports"),
        ("notebook", "plugin"),
    }
    assert kept[("notebook", "plugin")]["reason"] == {
        "vi": "Luật Kế toán: chứng từ kế toán phải được lưu trữ",
        "en": "Law on Accounting: accounting records must be kept",
    }
    assert all(k["reason"]["vi"] and k["reason"]["en"] for k in body["kept"])
    notebook = [e for e in body["erased"] if e["source"] == "notebook"]
    assert notebook == [
        {
            "category": "plugin",
            "source": "notebook",
            "tenant": "hue",
            "what": {"vi": "2 ghi chú", "en": "2 notes"},
        }
    ]
    # The failing plugin is retried from the outbox; what it wrote before failing is undone.
    assert [p["source"] for p in body["pending"]] == ["flaky"]
    assert actions(platform, "flaky.half_done") == []

    with platform.context() as session:
        user = session.get(User, citizen)
        assert not user.active
        assert user.username == f"erased-{citizen}"
        assert (user.full_name, user.email, user.phone, user.password_hash) == (
            "",
            None,
            None,
            None,
        )
        for model in (
            Consent,
            TotpCredential,
            RecoveryCode,
            PhoneVerification,
            FederatedIdentity,
            Delegation,
        ):
            assert session.scalar(select(func.count()).select_from(model)) == 0, model
        assert session.scalar(select(func.count()).select_from(IdentityVerification)) == 1
        live = select(func.count()).where(Token.user_id == citizen, Token.revoked_at.is_(None))
        assert session.scalar(live) == 0
        retry = session.scalars(
            select(OutboxMessage).where(OutboxMessage.task == erasure.RETRY_TASK)
        ).one()
        assert retry.payload["plugin_id"] == "flaky" and retry.payload["user_id"] == citizen
    assert notes(platform) == {agent: 1}
    (entry,) = actions(platform, "data.erasure")
    assert entry.actor_id == citizen and entry.actor_label == "citizen"
    assert entry.after["pending"] == ["flaky"]
    # The audit log itself is kept: the citizen's earlier entries are still there.
    assert actions(platform, "auth.login_failed") == [] and actions(platform, "data.erasure")
    # The token is dead, so the same request again is refused at the door.
    again = erase(platform, token=secrets["token"])
    assert again.status_code == 401


def test_erasure_can_run_again_and_changes_nothing_more(platform):
    seed(platform)
    citizen, agent, tenant_id = ids(platform)
    assert erase(platform).status_code == 200
    with platform.app.test_request_context(base_url="http://hue.sieuapp.test/"):
        from flask import g
        from sieuapp.core.db import current_session
        from sieuapp.core.tenancy.context import load_tenant

        g.tenant = load_tenant("hue")
        session = current_session()
        user = session.get(User, citizen)
        again = erasure.erase(session, user, tenant_id, "vi")
        session.commit()
    assert all(item["count"] == 0 for item in again["erased"] if item["source"] == "core")
    assert [e for e in again["erased"] if e["source"] == "notebook"] == []
    assert {(k["source"], k["category"]) for k in again["kept"]} >= {("core", "audit_log")}
    assert notes(platform) == {agent: 1}
    with platform.context() as session:
        assert session.get(User, citizen).username == f"erased-{citizen}"


def test_a_failed_plugin_erasure_is_retried_until_it_succeeds(platform, monkeypatch):
    seed(platform)
    assert erase(platform).status_code == 200
    platform.runtime.task_backend.settle(60)
    monkeypatch.setenv("SIEUAPP_TEST_FLAKY_OK", "1")
    # The back-off has passed.
    with platform.context() as session:
        session.execute(update(OutboxMessage).values(available_at=datetime.now(UTC)))
    platform.run_tasks()
    with platform.context() as session:
        status = session.scalar(
            select(OutboxMessage.status).where(OutboxMessage.task == erasure.RETRY_TASK)
        )
    assert status == "done"
    retried = [e for e in actions(platform, "data.erasure") if e.plugin_id == "flaky"]
    assert len(retried) == 1 and retried[0].after["retried"] is True


# -- the page ----------------------------------------------------------------------------------


def test_the_page_sends_strangers_to_sign_in(platform):
    answer = platform.client().get("/account/data")
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/auth/login")


def test_the_page_downloads_and_erases_after_a_fresh_sign_in(platform):
    client = platform.client()
    assert log_in(client, "citizen").status_code == 303
    seed(platform)  # after signing in: the seed turns TOTP on
    page = client.get("/account/data")
    assert page.status_code == 200 and 'id="erase-form"' in page.text
    download = client.get("/account/data/export")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.json["account"]["username"] == "citizen"

    token = csrf(client, "/account/data")
    forged = client.post("/account/data/erase", data={"csrf_token": "x", "confirm": "citizen"})
    assert forged.status_code == 403
    wrong = client.post("/account/data/erase", data={"csrf_token": token, "confirm": "nope"})
    assert wrong.status_code == 422 and 'id="confirm" name="confirm"' in wrong.text
    assert 'aria-invalid="true"' in wrong.text
    bad_password = client.post(
        "/account/data/erase", data={"csrf_token": token, "confirm": "citizen", "password": "sai"}
    )
    assert bad_password.status_code == 401
    assert_nothing_erased(platform)

    # Signed in just now: the username typed is enough.
    done = client.post(
        "/account/data/erase?lang=en", data={"csrf_token": token, "confirm": "citizen"}
    )
    assert done.status_code == 200, done.text
    assert "Your account is erased" in done.text and "Law on Accounting" in done.text
    assert client.get("/account/data").status_code == 303
    with platform.context() as session:
        assert not session.get(User, ids(platform)[0]).active


def test_the_page_asks_for_the_password_once_the_sign_in_is_old(make_platform):
    platform = make_platform(plugins=[], erasure_fresh_login=-1)
    with platform.context() as session:
        session.get(User, platform.users["citizen"].id).password_hash = hash_password(PASSWORD)
    client = platform.client()
    assert log_in(client, "citizen").status_code == 303
    token = csrf(client, "/account/data")
    field = re.search(r'<input id="password"[^>]*>', client.get("/account/data").text)
    assert field and " required" in field.group(0)
    answer = client.post("/account/data/erase", data={"csrf_token": token, "confirm": "citizen"})
    assert answer.status_code == 422 and "password" in answer.text
    done = client.post(
        "/account/data/erase",
        data={"csrf_token": token, "confirm": "citizen", "password": PASSWORD},
    )
    assert done.status_code == 200
    with platform.context() as session:
        assert not session.get(User, platform.users["citizen"].id).active
