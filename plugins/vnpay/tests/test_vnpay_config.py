"""The province's VNPay settings: validated field by field, stored only when valid, and the
hash secret never shown again."""

from __future__ import annotations

import json

import pytest

from .conftest import CONFIG_URL, HASH_SECRET, TMN_CODE

PLUGIN_URL = "/api/v1/admin/plugins/vnpay"

VALID = {
    "tmn_code": TMN_CODE,
    "hash_secret": HASH_SECRET,
    "payment_url": "https://vnpayment.vn/paymentv2/vpcpay.html",
    "api_url": "https://merchant.vnpay.vn/merchant_webapi/api/transaction",
    "order_type": "billpayment",
    "bank_code": "VNPAYQR",
    "timeout_seconds": 10,
}


def with_(**overrides):
    return {**VALID, **overrides}


INVALID = [
    pytest.param(with_(tmn_code="SIEUAPP"), "tmn_code", id="code-too-short"),
    pytest.param(with_(tmn_code="SIEU-AP1"), "tmn_code", id="code-not-alphanumeric"),
    pytest.param(with_(tmn_code=None), "tmn_code", id="secret-without-code"),
    pytest.param(with_(hash_secret=None), "hash_secret", id="code-without-secret"),
    pytest.param(with_(hash_secret="short"), "hash_secret", id="secret-too-short"),
    pytest.param(with_(hash_secret="has a space 12345"), "hash_secret", id="secret-with-space"),
    pytest.param(with_(payment_url="http://vnpayment.vn/pay"), "payment_url", id="plain-http"),
    pytest.param(with_(payment_url="https://x.vn/p?a=1"), "payment_url", id="url-with-query"),
    pytest.param(with_(payment_url="https://u:p@x.vn/p"), "payment_url", id="url-credentials"),
    pytest.param(with_(api_url="ftp://x.vn/api"), "api_url", id="api-not-http"),
    pytest.param(with_(api_url="merchant.vnpay.vn/api"), "api_url", id="api-relative"),
    pytest.param(with_(order_type="hóa đơn"), "order_type", id="order-type-accented"),
    pytest.param(with_(bank_code="QR"), "bank_code", id="bank-code-too-short"),
    pytest.param(with_(timeout_seconds=0), "timeout_seconds", id="no-timeout"),
    pytest.param(with_(timeout_seconds=61), "timeout_seconds", id="timeout-too-long"),
    pytest.param(with_(currency="USD"), "currency", id="unknown-field"),
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
    assert HASH_SECRET not in response.get_data(as_text=True)


def test_plain_http_only_to_a_simulator_on_this_machine(configure_plugin):
    for url in ("http://127.0.0.1:8089/paymentv2/vpcpay.html", "http://localhost/p"):
        response = configure_plugin(with_(payment_url=url, api_url=url))
        assert response.status_code == 200, (url, response.get_json())


def test_defaults_are_vnpays_sandbox(configure_plugin):
    values = configure_plugin({}).get_json()["state"]["config"]["values"]
    assert values["payment_url"] == "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"
    assert values["api_url"] == "https://sandbox.vnpayment.vn/merchant_webapi/api/transaction"
    assert values["order_type"] == "other"
    assert values["tmn_code"] is None
    assert values["bank_code"] is None
    assert values["timeout_seconds"] == 10


def test_only_a_province_admin_configures(citizen_client, official_client, partner_client):
    for client in (citizen_client, official_client, partner_client):
        assert client.put(CONFIG_URL, json=VALID).status_code == 403


def test_the_secret_is_never_returned(admin_client, configure_plugin):
    seen = [
        configure_plugin(VALID),
        admin_client.get(PLUGIN_URL),
        admin_client.get("/api/v1/admin/plugins"),
        admin_client.get("/api/v1/admin/audit", query_string={"plugin": "vnpay"}),
        admin_client.get("/readyz"),
    ]
    for response in seen:
        assert response.status_code == 200, response.request.path
        assert HASH_SECRET not in response.get_data(as_text=True), response.request.path
    plugin = admin_client.get(PLUGIN_URL).get_json()
    assert plugin["state"]["config"]["secrets_set"] == ["hash_secret"]
    schema = {f["name"]: f for f in plugin["config_schema"]}
    assert schema["hash_secret"]["secret"] is True
    assert schema["tmn_code"]["secret"] is False


def test_configuration_is_audited_without_the_secret(admin_client, configure_plugin):
    assert configure_plugin(VALID).status_code == 200
    entries = admin_client.get(
        "/api/v1/admin/audit", query_string={"action": "module.configured", "target": "vnpay"}
    ).get_json()["entries"]
    assert len(entries) == 1
    assert entries[0]["after"]["secrets_changed"] == ["hash_secret"]
    assert HASH_SECRET not in json.dumps(entries[0])
