"""The province's gateway settings: validated field by field, stored only when valid, and the
key never shown again."""

from __future__ import annotations

import json

import pytest

from .conftest import API_KEY, CONFIG_URL

PLUGIN_URL = "/api/v1/admin/plugins/smsgateway"

VALID = {
    "url": "https://sms.hue.gov.vn/v1/send",
    "api_key": API_KEY,
    "sender": "HUE-S",
    "unaccented": True,
    "max_parts": 2,
    "timeout_seconds": 10,
}


def with_(**overrides):
    return {**VALID, **overrides}


INVALID = [
    pytest.param(with_(url="http://sms.hue.gov.vn/send"), "url", id="plain-http-remote"),
    pytest.param(with_(url="ftp://sms.hue.gov.vn/send"), "url", id="not-http"),
    pytest.param(with_(url="sms.hue.gov.vn/send"), "url", id="relative"),
    pytest.param(with_(url="https://u:p@sms.hue.gov.vn/"), "url", id="credentials-in-url"),
    pytest.param(with_(api_key="short"), "api_key", id="key-too-short"),
    pytest.param(with_(api_key="has a space in it"), "api_key", id="key-with-space"),
    pytest.param(with_(api_key=None), "api_key", id="url-without-key"),
    pytest.param(with_(url=None), "url", id="key-without-url"),
    pytest.param(with_(sender="HUE-S-BRANDNAME"), "sender", id="brandname-too-long"),
    pytest.param(with_(sender="Huế"), "sender", id="brandname-accented"),
    pytest.param(with_(unaccented="maybe"), "unaccented", id="not-a-boolean"),
    pytest.param(with_(max_parts=0), "max_parts", id="no-parts"),
    pytest.param(with_(max_parts=11), "max_parts", id="too-many-parts"),
    pytest.param(with_(timeout_seconds=-1), "timeout_seconds", id="negative-timeout"),
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
    assert admin_client.get(PLUGIN_URL).get_json()["state"] == before
    assert API_KEY not in response.get_data(as_text=True)


def test_plain_http_is_allowed_to_a_loopback_adapter(configure_plugin):
    for url in ("http://127.0.0.1:8080/sms", "http://localhost/sms", "http://[::1]:9000/"):
        response = configure_plugin(with_(url=url))
        assert response.status_code == 200, (url, response.get_json())


def test_defaults(configure_plugin):
    values = configure_plugin({}).get_json()["state"]["config"]["values"]
    assert values["unaccented"] is True
    assert values["max_parts"] == 3
    assert values["url"] is None


def test_only_a_province_admin_configures(citizen_client, official_client, partner_client):
    for client in (citizen_client, official_client, partner_client):
        response = client.put(CONFIG_URL, json=VALID)
        assert response.status_code == 403


def test_the_key_is_never_returned(admin_client, configure_plugin):
    seen = [
        configure_plugin(VALID),
        admin_client.get(PLUGIN_URL),
        admin_client.get("/api/v1/admin/plugins"),
        admin_client.get("/api/v1/admin/audit", query_string={"plugin": "smsgateway"}),
        admin_client.get("/readyz"),
    ]
    for response in seen:
        assert response.status_code == 200, response.request.path
        assert API_KEY not in response.get_data(as_text=True), response.request.path
    state = admin_client.get(PLUGIN_URL).get_json()["state"]
    assert state["config"]["secrets_set"] == ["api_key"]
    schema = {f["name"]: f for f in admin_client.get(PLUGIN_URL).get_json()["config_schema"]}
    assert schema["api_key"]["secret"] is True
    assert schema["url"]["secret"] is False


def test_configuration_is_audited_without_the_key(admin_client, configure_plugin):
    assert configure_plugin(VALID).status_code == 200
    entries = admin_client.get(
        "/api/v1/admin/audit", query_string={"action": "module.configured", "target": "smsgateway"}
    ).get_json()["entries"]
    assert len(entries) == 1
    assert entries[0]["after"]["secrets_changed"] == ["api_key"]
    assert API_KEY not in json.dumps(entries[0])
