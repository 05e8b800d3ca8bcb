"""The province's module administration: who may change what, every change audited, config
validated against the plugin's schema, secrets never shown, bad input refused changing nothing."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime

import pytest
from sieuapp.core import create_app
from sieuapp.core.app import SDK_API
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.db import unit_of_work
from sieuapp.core.plugins.models import ModuleState
from sieuapp.core.testing import BASE_DOMAIN
from sieuapp.core.testing import test_database_url as database_url

API_KEY = "sk-live-6f1c2d9e8a7b"
WEBHOOK = "whk-3a4b5c6d7e8f"
BASE = "/api/v1/admin/plugins"

METER = textwrap.dedent(
    """
    from flask import Blueprint, jsonify
    from marshmallow import Schema, fields, validate
    from sieuapp.sdk import SECRET, FrontendEntry, Manifest, hookimpl, text


    class Config(Schema):
        endpoint = fields.Url(required=True, metadata={"label": "Meter API"})
        api_key = fields.String(required=True, metadata=SECRET)
        webhook_token = fields.String(data_key="webhookToken", load_default="", metadata=SECRET)
        poll_minutes = fields.Integer(load_default=15, validate=validate.Range(min=1, max=1440))


    @hookimpl
    def manifest():
        return Manifest(
            id="meter",
            name=text("Chỉ số điện", "Meter readings"),
            description=text("Xem chỉ số công tơ", "See your meter readings"),
            sdk_api=">=1.0,<2",
            config_schema=Config,
            frontend=FrontendEntry(route="/hello"),
            roles=("anonymous",),
        )


    @hookimpl
    def routes(services):
        bp = Blueprint("meter", __name__)

        @bp.get("/hello")
        def hello():
            return jsonify(endpoint=services.config.get()["endpoint"])

        return bp


    @hookimpl
    def config_changed(tenant, config, previous):
        if config["poll_minutes"] > 600:
            raise ValueError("the meter API allows at most 600 minutes between polls")
    """
)


@pytest.fixture
def platform(make_platform, synthetic):
    synthetic("meter", METER)
    synthetic("plain")
    synthetic("spare")
    synthetic("broken", synthetic.source("broken", sdk_api=">=2"))
    platform = make_platform(entry_points=synthetic.entry_points())
    platform.install("plain")
    return platform


@pytest.fixture
def admin(platform):
    return platform.client("province_admin")


GOOD_CONFIG = {
    "endpoint": "https://meters.hue.example/api",
    "api_key": API_KEY,
    "webhookToken": WEBHOOK,
    "poll_minutes": 30,
}


def install_meter(admin, config: dict | None = None) -> dict:
    response = admin.post(f"{BASE}/meter/install")
    assert response.status_code == 200, response.json
    if config is not None:
        response = admin.put(f"{BASE}/meter/config", json=config)
        assert response.status_code == 200, response.json
    return response.json


def view(admin, plugin_id: str) -> dict:
    response = admin.get(f"{BASE}/{plugin_id}")
    assert response.status_code == 200, response.json
    return response.json


def audit(admin, **query) -> dict:
    response = admin.get("/api/v1/admin/audit", query_string={"page_size": 500, **query})
    assert response.status_code == 200, response.json
    return response.json


def stored(platform, plugin_id: str) -> dict:
    with unit_of_work(platform.runtime.sessionmaker) as session:
        row = session.query(ModuleState).filter_by(plugin_id=plugin_id).one()
        return dict(row.config)


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert set(response.json) == {"code", "message", "errors"}, response.json
    if code is not None:
        assert response.json["code"] == code
    assert response.json["message"]
    return response.json


def assert_no_secret(text: str) -> None:
    assert API_KEY not in text
    assert WEBHOOK not in text


class Unchanged:
    """Snapshot of what a refused request must not change: the module's state and the log."""

    def __init__(self, platform, admin) -> None:
        self.platform = platform
        self.admin = admin
        self.before = self.take()

    def take(self) -> tuple:
        with unit_of_work(self.platform.runtime.sessionmaker) as session:
            states = sorted(
                (s.plugin_id, s.enabled, json.dumps(s.config, sort_keys=True), s.failure_count)
                for s in session.query(ModuleState)
            )
            entries = session.query(AuditEntry).count()
        return states, entries, self.admin.get(BASE).json

    def check(self) -> None:
        assert self.take() == self.before


# -- who may do what ---------------------------------------------------------------------------

CHANGES = [
    ("post", "meter/install", None),
    ("post", "plain/disable", None),
    ("post", "spare/install", None),
    ("put", "plain/config", {}),
    ("put", "meter/config", GOOD_CONFIG),
    ("put", "meter/config", "not an object"),
    ("post", "nowhere/enable", None),
]


@pytest.mark.parametrize(("method", "path", "body"), CHANGES)
@pytest.mark.parametrize(
    ("role", "status"),
    [
        (None, 401),
        ("citizen", 403),
        ("official", 403),
        ("ioc_operator", 403),
        ("partner_staff", 403),
    ],
)
def test_only_a_province_admin_may_change_modules(
    platform, admin, method, path, body, role, status
):
    unchanged = Unchanged(platform, admin)
    client = platform.client(role)
    response = getattr(client, method)(f"{BASE}/{path}", json=body)
    assert_error(response, status, "unauthorized" if status == 401 else "forbidden")
    unchanged.check()


def test_an_invalid_token_cannot_change_anything(platform, admin):
    unchanged = Unchanged(platform, admin)
    response = platform.client().post(
        f"{BASE}/plain/disable", headers={"Authorization": "Bearer forged"}
    )
    assert_error(response, 401, "unauthorized")
    unchanged.check()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("ioc_operator", 200),
        ("province_admin", 200),
        ("official", 403),
        ("citizen", 403),
        (None, 401),
    ],
)
def test_ioc_operators_may_read_the_plugin_list(platform, role, status):
    client = platform.client(role)
    for path in (BASE, f"{BASE}/plain"):
        response = client.get(path)
        if status == 200:
            assert response.status_code == 200, response.json
        else:
            assert_error(response, status)


def test_the_audit_log_is_for_province_admins_only(platform):
    assert_error(platform.client("ioc_operator").get("/api/v1/admin/audit"), 403, "forbidden")
    assert_error(platform.client().get("/api/v1/admin/audit"), 401, "unauthorized")


# -- listing -----------------------------------------------------------------------------------


def test_the_list_shows_every_plugin_with_its_state_and_failed_ones_with_the_reason(admin):
    install_meter(admin, GOOD_CONFIG)
    plugins = {p["id"]: p for p in admin.get(BASE).json["plugins"]}
    assert set(plugins) == {"broken", "meter", "plain", "spare"}
    assert plugins["broken"]["status"] == "failed"
    assert plugins["broken"]["problems"] == [
        f"manifest sdk_api: the plugin needs SDK API >=2, this platform implements {SDK_API}"
    ]
    assert plugins["plain"]["state"]["enabled"] is True
    assert plugins["spare"]["status"] == "loaded"
    assert plugins["spare"]["state"] is None
    meter = plugins["meter"]
    assert meter["state"]["enabled"] is False
    assert meter["state"]["config"] == {
        "values": {"endpoint": "https://meters.hue.example/api", "poll_minutes": 30},
        "secrets_set": ["api_key", "webhookToken"],
    }
    schema = {f["name"]: f for f in meter["config_schema"]}
    assert schema["api_key"]["secret"] is True
    assert schema["api_key"]["required"] is True
    assert schema["webhookToken"]["secret"] is True
    assert schema["endpoint"] == {
        "name": "endpoint",
        "type": "Url",
        "required": True,
        "secret": False,
        "label": "Meter API",
        "description": None,
    }
    assert meter["name"] == "Chỉ số điện"
    english = admin.get(BASE, headers={"Accept-Language": "en"}).json["plugins"]
    assert next(p for p in english if p["id"] == "meter")["name"] == "Meter readings"


def test_unknown_plugin_is_404_everywhere(admin):
    for method, path, body in [
        ("get", "nowhere", None),
        ("post", "nowhere/install", None),
        ("post", "nowhere/enable", None),
        ("post", "nowhere/disable", None),
        ("put", "nowhere/config", {}),
    ]:
        error = assert_error(getattr(admin, method)(f"{BASE}/{path}", json=body), 404, "not_found")
        assert "nowhere" in error["message"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "broken/install", None),
        ("post", "broken/enable", None),
        ("post", "broken/disable", None),
        ("put", "broken/config", {}),
    ],
)
def test_a_failed_plugin_is_409_with_the_reason(platform, admin, method, path, body):
    unchanged = Unchanged(platform, admin)
    error = assert_error(getattr(admin, method)(f"{BASE}/{path}", json=body), 409, "conflict")
    assert "needs SDK API >=2" in error["message"]
    assert error["errors"]["plugin"] == [
        f"manifest sdk_api: the plugin needs SDK API >=2, this platform implements {SDK_API}"
    ]
    unchanged.check()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("post", "spare/enable", None), ("post", "spare/disable", None), ("put", "spare/config", {})],
)
def test_a_module_not_installed_must_be_installed_first(platform, admin, method, path, body):
    unchanged = Unchanged(platform, admin)
    error = assert_error(getattr(admin, method)(f"{BASE}/{path}", json=body), 409, "conflict")
    assert "install it first" in error["message"]
    unchanged.check()


# -- every change audited ----------------------------------------------------------------------


def test_install_enable_disable_and_config_are_each_audited(platform, admin):
    admin_id = platform.users["province_admin"].id
    install_meter(admin)
    installed = view(admin, "meter")["state"]
    # A fresh install keeps the schema's defaults and waits for the required fields.
    assert installed["config"] == {"values": {"poll_minutes": 15}, "secrets_set": []}
    assert installed["enabled"] is False

    assert admin.put(f"{BASE}/meter/config", json=GOOD_CONFIG).status_code == 200
    assert admin.post(f"{BASE}/meter/enable").status_code == 200
    assert admin.post(f"{BASE}/meter/disable").status_code == 200

    every = audit(admin, plugin="meter")["entries"]
    # Installing also makes the plugin's OAuth client, audited on its own (see test_oauth_clients).
    assert [e["action"] for e in every if not e["action"].startswith("module.")] == [
        "oauth.client_created"
    ]
    entries = [e for e in every if e["action"].startswith("module.")]
    by_action = {e["action"]: e for e in entries}
    assert [e["action"] for e in reversed(entries)] == [
        "module.installed",
        "module.configured",
        "module.enabled",
        "module.disabled",
    ]
    for entry in entries:
        assert entry["actor_id"] == admin_id
        assert entry["actor_label"] == "admin"
        assert entry["target"] == "meter"
        assert datetime.fromisoformat(entry["at"]).tzinfo is not None
    assert by_action["module.installed"]["before"] is None
    assert by_action["module.installed"]["after"] == {
        "installed_version": "1.0.0",
        "enabled": False,
        "config": {"poll_minutes": 15},
    }
    configured = by_action["module.configured"]
    assert configured["before"]["config"] == {"poll_minutes": 15}
    assert configured["after"]["config"] == {
        "endpoint": "https://meters.hue.example/api",
        "poll_minutes": 30,
    }
    assert configured["after"]["secrets_changed"] == ["api_key", "webhookToken"]
    assert by_action["module.enabled"]["before"]["enabled"] is False
    assert by_action["module.enabled"]["after"]["enabled"] is True
    assert by_action["module.disabled"]["before"]["enabled"] is True
    assert by_action["module.disabled"]["after"]["enabled"] is False


def test_repeating_a_change_that_changes_nothing_writes_no_audit_entry(platform, admin):
    install_meter(admin, GOOD_CONFIG)
    assert admin.post(f"{BASE}/meter/enable").status_code == 200
    unchanged = Unchanged(platform, admin)
    assert admin.post(f"{BASE}/meter/enable").status_code == 200
    assert admin.post(f"{BASE}/meter/install").status_code == 200
    assert (
        admin.put(
            f"{BASE}/meter/config", json={"endpoint": GOOD_CONFIG["endpoint"], "poll_minutes": 30}
        ).status_code
        == 200
    )
    unchanged.check()


# -- config ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({**GOOD_CONFIG, "poll_minutes": 0}, "poll_minutes"),
        ({**GOOD_CONFIG, "poll_minutes": "often"}, "poll_minutes"),
        ({**GOOD_CONFIG, "endpoint": "not a url"}, "endpoint"),
        ({k: v for k, v in GOOD_CONFIG.items() if k != "endpoint"}, "endpoint"),
        ({**GOOD_CONFIG, "api_key": 12345}, "api_key"),
        ({**GOOD_CONFIG, "colour": "blue"}, "colour"),
    ],
)
def test_invalid_config_names_the_field_and_changes_nothing(platform, admin, config, field):
    install_meter(admin, {**GOOD_CONFIG, "api_key": "sk-old-value-0001"})
    unchanged = Unchanged(platform, admin)
    response = admin.put(f"{BASE}/meter/config", json=config)
    error = assert_error(response, 422, "invalid_input")
    assert list(error["errors"]) == [field], error
    assert all(isinstance(m, str) and m for m in error["errors"][field])
    assert_no_secret(response.get_data(as_text=True))
    unchanged.check()


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("[1, 2]", "application/json"),
        ('"endpoint"', "application/json"),
        ("null", "application/json"),
        ("{not json", "application/json"),
        ("endpoint=https://x.example", "application/x-www-form-urlencoded"),
        ("", None),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(platform, admin, data, content_type):
    install_meter(admin, GOOD_CONFIG)
    unchanged = Unchanged(platform, admin)
    response = admin.put(f"{BASE}/meter/config", data=data, content_type=content_type)
    assert response.status_code in (400, 422)
    assert_error(response, response.status_code)
    unchanged.check()


def test_a_module_without_a_schema_takes_no_config(platform, admin):
    unchanged = Unchanged(platform, admin)
    assert admin.put(f"{BASE}/plain/config", json={}).status_code == 200
    error = assert_error(admin.put(f"{BASE}/plain/config", json={"x": 1}), 422, "invalid_input")
    assert error["errors"] == {"x": ["Unknown field."]}
    unchanged.check()


def test_secrets_never_appear_in_any_response_nor_in_the_audit_log(platform, admin):
    texts = []
    texts.append(admin.post(f"{BASE}/meter/install").get_data(as_text=True))
    texts.append(admin.put(f"{BASE}/meter/config", json=GOOD_CONFIG).get_data(as_text=True))
    texts.append(admin.post(f"{BASE}/meter/enable").get_data(as_text=True))
    texts.append(admin.get(BASE).get_data(as_text=True))
    texts.append(admin.get(f"{BASE}/meter").get_data(as_text=True))
    texts.append(platform.client("ioc_operator").get(BASE).get_data(as_text=True))
    texts.append(audit_text := admin.get("/api/v1/admin/audit").get_data(as_text=True))
    texts.append(platform.client().get("/api/v1/modules").get_data(as_text=True))
    texts.append(platform.client().get("/readyz").get_data(as_text=True))
    assert "module.configured" in audit_text
    for text in texts:
        assert_no_secret(text)
    with unit_of_work(platform.runtime.sessionmaker) as session:
        for entry in session.query(AuditEntry):
            assert_no_secret(json.dumps([entry.before, entry.after]))
    # Stored, and given to the plugin, all the same.
    assert stored(platform, "meter")["api_key"] == API_KEY
    assert stored(platform, "meter")["webhookToken"] == WEBHOOK


def test_a_secret_left_out_on_update_keeps_its_value(platform, admin):
    install_meter(admin, GOOD_CONFIG)
    update = {"endpoint": "https://meters2.hue.example/api", "poll_minutes": 45}
    response = admin.put(f"{BASE}/meter/config", json=update)
    assert response.status_code == 200, response.json
    assert response.json["state"]["config"] == {
        "values": {"endpoint": "https://meters2.hue.example/api", "poll_minutes": 45},
        "secrets_set": ["api_key", "webhookToken"],
    }
    config = stored(platform, "meter")
    assert config["api_key"] == API_KEY
    assert config["webhookToken"] == WEBHOOK
    entry = audit(admin, action="module.configured")["entries"][0]
    assert "secrets_changed" not in entry["after"]

    # A secret sent is replaced, and the audit says which one changed (never its value).
    response = admin.put(f"{BASE}/meter/config", json={**update, "api_key": "sk-rotated-0002"})
    assert response.status_code == 200
    assert stored(platform, "meter")["api_key"] == "sk-rotated-0002"
    entry = audit(admin, action="module.configured")["entries"][0]
    assert entry["after"]["secrets_changed"] == ["api_key"]
    assert "sk-rotated-0002" not in json.dumps(entry)


def test_enabling_with_required_config_missing_is_422_naming_the_fields(platform, admin):
    install_meter(admin)
    unchanged = Unchanged(platform, admin)
    error = assert_error(admin.post(f"{BASE}/meter/enable"), 422, "invalid_input")
    assert set(error["errors"]) == {"endpoint", "api_key"}
    unchanged.check()
    assert admin.put(f"{BASE}/meter/config", json=GOOD_CONFIG).status_code == 200
    assert admin.post(f"{BASE}/meter/enable").status_code == 200


def test_a_plugin_refusing_a_config_is_409_and_changes_nothing(platform, admin):
    install_meter(admin, GOOD_CONFIG)
    assert admin.post(f"{BASE}/meter/enable").status_code == 200
    config_before = stored(platform, "meter")
    entries_before = audit(admin)["total"]

    response = admin.put(f"{BASE}/meter/config", json={**GOOD_CONFIG, "poll_minutes": 900})

    error = assert_error(response, 409)
    assert "at most 600 minutes" in error["message"]
    assert_no_secret(response.get_data(as_text=True))
    assert stored(platform, "meter") == config_before
    assert audit(admin)["total"] == entries_before
    state = view(admin, "meter")["state"]
    assert state["enabled"] is True
    # The refusal is the plugin's failure, counted as any other.
    assert state["failure_count"] == 1
    assert "config_changed" in state["last_failure"]


# -- taking effect -----------------------------------------------------------------------------


def test_enable_and_disable_take_effect_on_the_next_request(platform, admin):
    client = platform.client()
    install_meter(admin, GOOD_CONFIG)
    assert client.get("/m/meter/hello").status_code == 404
    assert [m["id"] for m in client.get("/api/v1/modules").json["modules"]] == ["plain"]

    assert admin.post(f"{BASE}/meter/enable").status_code == 200
    assert client.get("/m/meter/hello").json == {"endpoint": GOOD_CONFIG["endpoint"]}
    assert [m["id"] for m in client.get("/api/v1/modules").json["modules"]] == ["meter", "plain"]

    new_endpoint = "https://meters3.hue.example/api"
    assert admin.put(f"{BASE}/meter/config", json={"endpoint": new_endpoint}).status_code == 200
    assert client.get("/m/meter/hello").json == {"endpoint": new_endpoint}

    assert admin.post(f"{BASE}/meter/disable").status_code == 200
    assert client.get("/m/meter/hello").status_code == 404
    assert [m["id"] for m in client.get("/api/v1/modules").json["modules"]] == ["plain"]


def test_another_worker_sees_a_change_on_its_next_request(make_platform, synthetic, tmp_path):
    """Two apps on one database, each with its own caches, as two server workers are."""
    url = database_url()
    if url in {"sqlite://", "sqlite:///:memory:"}:
        url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    synthetic("plain")
    entry_points = synthetic.entry_points()
    platform = make_platform(plugins=["plain"], entry_points=entry_points, database_url=url)
    other = create_app(
        instance_path=tmp_path / "worker2",
        entry_points=entry_points,
        database_url=url,
        base_domain=BASE_DOMAIN,
        default_tenant="hue",
        secret_key="test-secret",
    )
    try:
        base = f"http://hue.{BASE_DOMAIN}/"
        worker2 = other.test_client()
        assert worker2.get("/m/plain/hello", base_url=base).status_code == 200
        etag = worker2.get("/api/v1/modules", base_url=base).headers["ETag"]

        admin = platform.client("province_admin")
        assert admin.post(f"{BASE}/plain/disable").status_code == 200

        assert worker2.get("/m/plain/hello", base_url=base).status_code == 404
        modules = worker2.get("/api/v1/modules", base_url=base, headers={"If-None-Match": etag})
        assert modules.status_code == 200
        assert modules.json["modules"] == []

        assert admin.post(f"{BASE}/plain/enable").status_code == 200
        assert worker2.get("/m/plain/hello", base_url=base).status_code == 200
    finally:
        other.extensions["sieuapp"].engine.dispose()
