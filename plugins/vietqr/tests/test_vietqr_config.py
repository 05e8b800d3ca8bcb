"""The province's account and signing secret: validated field by field, stored only when
valid, and the secret never shown again."""

from __future__ import annotations

import json

import pytest

from .conftest import CONFIG, PLUGIN_URL, SECRET


def with_(**overrides):
    return {**CONFIG, **overrides}


INVALID = [
    pytest.param(with_(bank_bin="97043"), "bank_bin", id="bin-five-digits"),
    pytest.param(with_(bank_bin="9704366"), "bank_bin", id="bin-seven-digits"),
    pytest.param(with_(bank_bin="VCB"), "bank_bin", id="bin-bank-code"),
    pytest.param(with_(account_number="0011 0019 3241"), "account_number", id="account-spaces"),
    pytest.param(with_(account_number="0011-001932418"), "account_number", id="account-dash"),
    pytest.param(with_(account_number="1" * 20), "account_number", id="account-20"),
    pytest.param(
        with_(service_code="QRIBFTTC"), "account_number", id="card-service-with-an-account"
    ),
    pytest.param(with_(service_code="QRPUSH"), "service_code", id="merchant-service"),
    pytest.param(with_(account_name=" UBND"), "account_name", id="name-leading-space"),
    pytest.param(with_(account_name="A"), "account_name", id="name-one-letter"),
    pytest.param(with_(bank_name="V" * 101), "bank_name", id="bank-name-long"),
    pytest.param(with_(notify_secret="short-secret"), "notify_secret", id="secret-short"),
    pytest.param(with_(notify_secret="x" * 31), "notify_secret", id="secret-31"),
    pytest.param(
        with_(notify_secret="khóa bí mật " + "x" * 40), "notify_secret", id="secret-not-ascii"
    ),
    pytest.param(with_(notify_secret=None), "notify_secret", id="account-without-secret"),
    pytest.param(with_(account_name=None), "account_name", id="account-without-holder"),
    pytest.param(with_(bank_bin=None), "bank_bin", id="account-without-bin"),
    pytest.param({"notify_secret": SECRET}, "bank_bin", id="secret-without-account"),
    pytest.param(with_(colour="red"), "colour", id="unknown-field"),
]


@pytest.mark.parametrize(("config", "field"), INVALID)
def test_invalid_config_names_the_field_and_changes_nothing(
    admin_client, configure_plugin, config, field
):
    assert configure_plugin(CONFIG).status_code == 200
    before = admin_client.get(PLUGIN_URL).get_json()["state"]

    response = configure_plugin(config)

    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["code"] == "invalid_input"
    assert field in body["errors"], body["errors"]
    assert admin_client.get(PLUGIN_URL).get_json()["state"] == before
    assert SECRET not in response.get_data(as_text=True)


def test_a_card_number_with_the_card_service(configure_plugin):
    response = configure_plugin(with_(service_code="QRIBFTTC", account_number="9704366614528888"))
    assert response.status_code == 200, response.get_json()


def test_an_account_with_letters_as_wallets_have(configure_plugin):
    # Wallets' VietQR accounts at BVBank look like this (vietnam-qr-pay README, "MoMo").
    response = configure_plugin(with_(bank_bin="970454", account_number="99MM24011M34875080"))
    assert response.status_code == 200, response.get_json()


def test_defaults_leave_it_unconfigured(configure_plugin):
    values = configure_plugin({}).get_json()["state"]["config"]["values"]
    assert values["service_code"] == "QRIBFTTA"
    assert values["bank_bin"] is None and values["account_number"] is None


def test_a_secret_left_out_keeps_its_value(admin_client, configure_plugin):
    assert configure_plugin(CONFIG).status_code == 200
    without = {k: v for k, v in CONFIG.items() if k != "notify_secret"}
    response = configure_plugin({**without, "account_name": "SO TAI CHINH HUE"})
    assert response.status_code == 200, response.get_json()
    state = admin_client.get(PLUGIN_URL).get_json()["state"]
    assert state["config"]["secrets_set"] == ["notify_secret"]
    assert state["config"]["values"]["account_name"] == "SO TAI CHINH HUE"


def test_only_a_province_admin_configures(citizen_client, official_client, partner_client):
    for client in (citizen_client, official_client, partner_client):
        response = client.put(f"{PLUGIN_URL}/config", json=CONFIG)
        assert response.status_code == 403


def test_the_secret_is_never_returned(admin_client, configure_plugin):
    seen = [
        configure_plugin(CONFIG),
        admin_client.get(PLUGIN_URL),
        admin_client.get("/api/v1/admin/plugins"),
        admin_client.get("/api/v1/admin/audit", query_string={"plugin": "vietqr"}),
        admin_client.get("/readyz"),
    ]
    for response in seen:
        assert response.status_code == 200, response.request.path
        assert SECRET not in response.get_data(as_text=True), response.request.path
    described = admin_client.get(PLUGIN_URL).get_json()["config_schema"]
    schema = {f["name"]: f for f in described}
    assert schema["notify_secret"]["secret"] is True
    assert schema["account_number"]["secret"] is False
    assert all(f["label"]["vi"] and f["label"]["en"] for f in described)


def test_configuration_is_audited_without_the_secret(admin_client, configure_plugin):
    assert configure_plugin(CONFIG).status_code == 200
    entries = admin_client.get(
        "/api/v1/admin/audit", query_string={"action": "module.configured", "target": "vietqr"}
    ).get_json()["entries"]
    assert len(entries) == 1
    assert entries[0]["after"]["secrets_changed"] == ["notify_secret"]
    assert SECRET not in json.dumps(entries[0])
