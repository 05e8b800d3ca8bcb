"""What the host gives a plugin: scoped to the plugin, the tenant and the user's consent."""

from __future__ import annotations

import pytest
from sieuapp.core.identity.models import Consent
from sieuapp.core.plugins._states import bump_version
from sieuapp.core.plugins.models import ModuleState
from sqlalchemy import select

EXTRA = """
from marshmallow import Schema, fields
from sieuapp.sdk.errors import InvalidInput


class Config(Schema):
    greeting = fields.String(load_default="xin chào")


@hookimpl(specname="manifest")
def manifest_with_config():
    return Manifest(
        id="svc",
        name=text("Dịch vụ", "Service"),
        description=text("Mô tả", "About"),
        sdk_api=">=1.0,<2",
        scopes=(Scope("profile", text("Để chào bạn", "To greet you")),),
        config_schema=Config,
        roles=("anonymous",),
    )


@hookimpl(specname="routes")
def routes_with_services(services):
    bp = Blueprint("svc", __name__)

    @bp.get("/config")
    def config():
        return services.config.get()

    @bp.get("/me")
    def me():
        user = services.identity.require()
        return {"id": user.id, "claims": dict(user.claims), "scopes": sorted(user.scopes)}

    @bp.post("/files/<path:key>")
    def put(key):
        stored = services.storage.put(key, b"noi dung", "text/plain")
        services.audit.record("file.stored", target=key, after={"size": stored.size})
        return {"size": stored.size}

    @bp.get("/files/<path:key>")
    def get(key):
        return services.storage.get(key)

    return bp
"""


def source() -> str:
    # A module with two manifest/routes implementations would be refused; keep only ours.
    from sieuapp.core.plugins.synthetic import plugin_source

    base = plugin_source("svc")
    head = base.split("@hookimpl")[0]
    return head + EXTRA


@pytest.fixture
def platform(make_platform, synthetic):
    synthetic("svc", source())
    return make_platform(plugins=["svc"], entry_points=synthetic.entry_points())


def test_config_defaults_stand_in_for_fields_a_tenant_never_set(platform):
    # As stored by a version of the plugin that had no such field.
    with platform.context() as session:
        state = session.scalar(select(ModuleState).where(ModuleState.plugin_id == "svc"))
        state.config = {}
        bump_version(session, state.tenant_id)
    assert platform.client().get("/m/svc/config").json == {"greeting": "xin chào"}


def test_a_plugin_sees_only_the_claims_the_user_consented_to(platform):
    citizen = platform.client("citizen")
    before = citizen.get("/m/svc/me").json
    assert before["claims"] == {"sub": platform.users["citizen"].id}
    assert before["scopes"] == []
    with platform.context() as session:
        tenant_id = session.scalar(
            select(ModuleState.tenant_id).where(ModuleState.plugin_id == "svc")
        )
        session.add(
            Consent(
                user_id=platform.users["citizen"].id,
                tenant_id=tenant_id,
                plugin_id="svc",
                scopes="profile",
            )
        )
    after = citizen.get("/m/svc/me").json
    assert after["scopes"] == ["profile"]
    assert after["claims"]["name"] == "Nguyễn Văn An"
    assert "phone_number" not in after["claims"]  # phone was not granted


def test_identity_require_refuses_anonymous_callers(platform):
    response = platform.client().get("/m/svc/me")
    assert response.status_code == 401
    assert response.json["code"] == "unauthorized"


def test_storage_is_per_plugin_and_tenant_and_refuses_escapes(platform, tmp_path):
    client = platform.client("citizen")
    assert client.post("/m/svc/files/reports/a.txt").json == {"size": 8}
    assert client.get("/m/svc/files/reports/a.txt").get_data() == b"noi dung"
    stored = list((platform.runtime.files.root / "hue" / "svc").rglob("a.txt"))
    assert len(stored) == 1
    for bad in ("../../etc/passwd", ".hidden", "a/../../b"):
        response = client.post(f"/m/svc/files/{bad}")
        assert response.status_code in (404, 422), bad
    missing = client.get("/m/svc/files/none.txt")
    assert missing.status_code == 404
    assert missing.json["code"] == "not_found"


def test_plugin_audit_entries_name_the_plugin_and_the_caller(platform):
    platform.client("citizen").post("/m/svc/files/x.txt")
    entries = (
        platform.client("province_admin")
        .get("/api/v1/admin/audit", query_string={"plugin": "svc", "action": "svc.file.stored"})
        .json["entries"]
    )
    assert len(entries) == 1
    assert entries[0]["actor_id"] == platform.users["citizen"].id
    assert entries[0]["target"] == "x.txt"
