"""The province's SMTP settings: validated field by field, stored only when valid, and the
password never shown again."""

from __future__ import annotations

import json

import pytest

from .conftest import CONFIG_URL

PLUGIN_URL = "/api/v1/admin/plugins/mail"
PASSWORD = "s3cret-smtp-password-of-Hue"

VALID = {
    "host": "smtp.hue.gov.vn",
    "port": 587,
    "security": "starttls",
    "username": "thongbao",
    "password": PASSWORD,
    "from_address": "thongbao@hue.gov.vn",
    "from_name": "Cổng thông tin Huế",
    "timeout_seconds": 10,
}


def with_(**overrides):
    return {**VALID, **overrides}


INVALID = [
    pytest.param(with_(security="none"), "security", id="clear-text-to-a-remote-host"),
    pytest.param(with_(security="none", host="10.0.0.5"), "security", id="clear-text-to-lan"),
    pytest.param(with_(security="tls1"), "security", id="unknown-security"),
    pytest.param(with_(host="smtp://hue.gov.vn"), "host", id="host-with-scheme"),
    pytest.param(with_(host="smtp.hue.gov.vn:587"), "host", id="host-with-port"),
    pytest.param(with_(port=0), "port", id="port-zero"),
    pytest.param(with_(port=70000), "port", id="port-too-big"),
    pytest.param(with_(port="smtp"), "port", id="port-not-a-number"),
    pytest.param(with_(from_address="thongbao"), "from_address", id="sender-not-an-address"),
    pytest.param(with_(from_address=None), "from_address", id="host-without-sender"),
    pytest.param(with_(host=None), "host", id="sender-without-host"),
    pytest.param(with_(from_name="Huế\r\nBcc: all@x.vn"), "from_name", id="header-injection"),
    pytest.param(with_(username=None), "username", id="password-without-user"),
    pytest.param(with_(password="mật khẩu"), "password", id="password-not-ascii"),
    pytest.param(with_(timeout_seconds=0), "timeout_seconds", id="no-timeout"),
    pytest.param(with_(timeout_seconds=600), "timeout_seconds", id="timeout-too-long"),
    pytest.param(with_(colour="red"), "colour", id="unknown-field"),
]


@pytest.mark.parametrize(("config", "field"), INVALID)
def test_invalid_config_names_the_field_and_changes_nothing(
    admin_client, configure_plugin, config, field
):
    assert configure_plugin(VALID).status_code == 200
    before = admin_client.get(PLUGIN_URL).get_json()["state"]

    response = configure_plugin(config)

    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "invalid_input"
    assert field in body["errors"], body["errors"]
    assert all(isinstance(m, str) and m for m in body["errors"][field])
    assert admin_client.get(PLUGIN_URL).get_json()["state"] == before
    assert PASSWORD not in response.get_data(as_text=True)


def test_clear_text_is_allowed_to_a_loopback_relay(configure_plugin):
    for host in ("127.0.0.1", "localhost", "::1"):
        response = configure_plugin(with_(security="none", host=host, port=25))
        assert response.status_code == 200, response.get_json()


def test_defaults_and_an_empty_configuration(admin_client, configure_plugin):
    response = configure_plugin({})
    assert response.status_code == 200
    values = response.get_json()["state"]["config"]["values"]
    assert values["port"] == 587
    assert values["security"] == "starttls"
    assert values["host"] is None


def test_only_a_province_admin_configures(citizen_client, official_client, ioc_client):
    for client in (citizen_client, official_client, ioc_client):
        response = client.put(CONFIG_URL, json=VALID)
        assert response.status_code == 403
        assert response.get_json()["code"] == "forbidden"


def test_the_password_is_never_returned(admin_client, configure_plugin):
    seen = [
        configure_plugin(VALID),
        admin_client.get(PLUGIN_URL),
        admin_client.get("/api/v1/admin/plugins"),
        admin_client.get("/api/v1/admin/audit", query_string={"plugin": "mail"}),
        admin_client.get("/readyz"),
    ]
    for response in seen:
        assert response.status_code == 200, response.request.path
        assert PASSWORD not in response.get_data(as_text=True), response.request.path
    state = admin_client.get(PLUGIN_URL).get_json()["state"]
    assert state["config"]["secrets_set"] == ["password"]
    assert "password" not in state["config"]["values"]
    schema = {f["name"]: f for f in admin_client.get(PLUGIN_URL).get_json()["config_schema"]}
    assert schema["password"]["secret"] is True
    assert schema["username"]["secret"] is False
    assert schema["host"]["label"] == {"vi": "Máy chủ SMTP", "en": "SMTP server"}


def test_a_password_left_out_is_kept(admin_client, configure_plugin):
    assert configure_plugin(VALID).status_code == 200
    kept = configure_plugin({k: v for k, v in VALID.items() if k != "password"})
    assert kept.status_code == 200
    assert kept.get_json()["state"]["config"]["secrets_set"] == ["password"]


def test_configuration_is_audited_without_the_password(admin_client, configure_plugin):
    assert configure_plugin(VALID).status_code == 200
    entries = admin_client.get(
        "/api/v1/admin/audit", query_string={"action": "module.configured", "target": "mail"}
    ).get_json()["entries"]
    assert len(entries) == 1
    assert entries[0]["after"]["secrets_changed"] == ["password"]
    assert PASSWORD not in json.dumps(entries[0])
