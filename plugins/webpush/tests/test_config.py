"""The province's configuration through the admin API: the key must be a P-256 private key,
bad input names the field and changes nothing, and the key is never shown again."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from .conftest import CONFIG_URL, SUBJECT

PLUGIN_URL = "/api/v1/admin/plugins/webpush"
PUBLIC_KEY_URL = "/m/webpush/vapid-public-key"


def pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


P384 = pem(ec.generate_private_key(ec.SECP384R1()))
RSA = pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))

INVALID = [
    pytest.param({"vapid_private_key": "not a key"}, "vapid_private_key", id="garbage"),
    pytest.param({"vapid_private_key": "AAAA"}, "vapid_private_key", id="short-base64"),
    pytest.param({"vapid_private_key": P384}, "vapid_private_key", id="p384"),
    pytest.param({"vapid_private_key": RSA}, "vapid_private_key", id="rsa"),
    pytest.param(
        {"vapid_private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"},
        "vapid_private_key",
        id="broken-pem",
    ),
    pytest.param({"vapid_private_key": 42}, "vapid_private_key", id="not-a-string"),
    pytest.param({"subject": "ioc@hue.gov.vn"}, "subject", id="subject-no-scheme"),
    pytest.param({"subject": "http://hue.gov.vn"}, "subject", id="subject-http"),
    pytest.param({"subject": "mailto:nobody"}, "subject", id="subject-no-domain"),
    pytest.param({"subject": None}, "subject", id="key-without-subject"),
    pytest.param({"timeout_seconds": 0}, "timeout_seconds", id="timeout-zero"),
    pytest.param({"timeout_seconds": "soon"}, "timeout_seconds", id="timeout-text"),
    pytest.param({"public_key": "BA"}, "public_key", id="unknown-field"),
]


@pytest.mark.parametrize(("change", "field"), INVALID)
def test_invalid_config_names_the_field_and_changes_nothing(
    admin_client, anonymous_client, configure_plugin, configured, change, field
):
    before = admin_client.get(PLUGIN_URL).get_json()["state"]
    key_before = anonymous_client.get(PUBLIC_KEY_URL).get_json()

    response = configure_plugin({**configured, **change})

    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "invalid_input"
    assert field in body["errors"], body["errors"]
    assert all(isinstance(m, str) and m for m in body["errors"][field])
    assert configured["vapid_private_key"] not in response.get_data(as_text=True)
    assert admin_client.get(PLUGIN_URL).get_json()["state"] == before
    assert anonymous_client.get(PUBLIC_KEY_URL).get_json() == key_before


def test_the_raw_base64url_key_py_vapid_writes_is_accepted(configure_plugin, anonymous_client):
    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    text = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    response = configure_plugin({"vapid_private_key": text, "subject": "https://hue.gov.vn"})

    assert response.status_code == 200, response.get_json()
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    expected = base64.urlsafe_b64encode(point).rstrip(b"=").decode()
    assert anonymous_client.get(PUBLIC_KEY_URL).get_json() == {"publicKey": expected}


def test_only_a_province_admin_configures(citizen_client, official_client, vapid_pair):
    for client in (citizen_client, official_client):
        response = client.put(CONFIG_URL, json={"vapid_private_key": vapid_pair[0]})
        assert response.status_code == 403
        assert response.get_json()["code"] == "forbidden"


def test_the_key_is_never_returned(admin_client, anonymous_client, configured):
    secret = "".join(configured["vapid_private_key"].splitlines()[1:-1])
    seen = [
        admin_client.put(CONFIG_URL, json=configured),
        admin_client.get(PLUGIN_URL),
        admin_client.get("/api/v1/admin/plugins"),
        admin_client.get("/api/v1/admin/audit", query_string={"plugin": "webpush"}),
        anonymous_client.get(PUBLIC_KEY_URL),
        anonymous_client.get("/m/webpush/sw.js"),
        admin_client.get("/readyz"),
    ]
    for response in seen:
        assert response.status_code == 200, response.request.path
        page = response.get_data(as_text=True)
        assert secret[:48] not in page and secret[-48:] not in page, response.request.path
    state = admin_client.get(PLUGIN_URL).get_json()["state"]
    assert state["config"]["secrets_set"] == ["vapid_private_key"]
    assert state["config"]["values"]["subject"] == SUBJECT
    schema = {f["name"]: f for f in admin_client.get(PLUGIN_URL).get_json()["config_schema"]}
    assert schema["vapid_private_key"]["secret"] is True
    assert schema["subject"]["secret"] is False


def test_configuration_is_audited_without_the_key(admin_client, configured):
    entries = admin_client.get(
        "/api/v1/admin/audit", query_string={"action": "module.configured", "target": "webpush"}
    ).get_json()["entries"]
    assert len(entries) == 1
    after = json.dumps(entries[0]["after"])
    assert entries[0]["after"]["secrets_changed"] == ["vapid_private_key"]
    assert configured["vapid_private_key"].splitlines()[1] not in after


def test_a_new_key_changes_the_public_key(
    configure_plugin, configured, anonymous_client, vapid_pair
):
    assert anonymous_client.get(PUBLIC_KEY_URL).get_json() == {"publicKey": vapid_pair[1]}
    other = pem(ec.generate_private_key(ec.SECP256R1()))
    assert configure_plugin({"vapid_private_key": other, "subject": SUBJECT}).status_code == 200
    assert anonymous_client.get(PUBLIC_KEY_URL).get_json() != {"publicKey": vapid_pair[1]}


def test_the_channel_is_offered_only_with_a_key(call_hook, configure_plugin, configured):
    [channel] = call_hook("notification_channels")
    assert (channel.name, channel.address_kind) == ("web_push", "web_push")
    assert channel.label.vi and channel.label.en and channel.problems() == []

    assert configure_plugin({"vapid_private_key": None, "subject": None}).status_code == 200
    assert call_hook("notification_channels") == []


def test_health_says_whether_pushes_can_go_out(call_hook, configure_plugin, vapid_pair):
    unconfigured = call_hook("health")
    assert unconfigured.ok is False and "not configured" in unconfigured.detail
    assert (
        configure_plugin({"vapid_private_key": vapid_pair[0], "subject": SUBJECT}).status_code
        == 200
    )
    assert call_hook("health").ok is True
