"""The routes' gates, which hold before any payment is looked at: the code only for a signed-in
payer, the notification only when configured, signed now with the tenant's secret, and small."""

from __future__ import annotations

import json
import time

import pytest

from .conftest import CONFIG, NOTIFY_URL, signed

BODY = {"reference": "FT24123456789012", "amount": 150000, "content": "PAY01HZX5K9M2Q7R8T4V"}


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_the_code_needs_a_signed_in_payer(anonymous_client, configured, kind):
    response = anonymous_client.get(f"/m/vietqr/payments/PAY01HZX5K9M2Q7R8T4V/qr.{kind}")
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthorized"


def test_a_notification_before_configuration_is_retried_later(anonymous_client, configure_plugin):
    assert configure_plugin({}).status_code == 200
    raw, headers = signed(BODY)
    response = anonymous_client.post(NOTIFY_URL, data=raw, headers=headers)
    # 503 keeps the transaction at the connector, which retries it once the province is set up.
    assert response.status_code == 503


def _post(client, raw, headers):
    return client.post(NOTIFY_URL, data=raw, headers=headers)


def test_unsigned_is_refused(anonymous_client, configured):
    response = _post(
        anonymous_client, json.dumps(BODY).encode(), {"Content-Type": "application/json"}
    )
    assert response.status_code == 401
    assert "X-Timestamp" in response.get_json()["message"]


def test_tampered_is_refused(anonymous_client, configured):
    raw, headers = signed(BODY)
    response = _post(anonymous_client, raw.replace(b"150000", b"999999"), headers)
    assert response.status_code == 401
    assert "does not match" in response.get_json()["message"]


def test_signed_with_another_secret_is_refused(anonymous_client, configured):
    raw, headers = signed(BODY, secret="f" * 64)
    assert _post(anonymous_client, raw, headers).status_code == 401


def test_stale_is_refused(anonymous_client, configured):
    raw, headers = signed(BODY, at=time.time() - 301)
    response = _post(anonymous_client, raw, headers)
    assert response.status_code == 401
    assert "seconds" in response.get_json()["message"]


def test_signed_but_malformed_names_the_field(anonymous_client, configured):
    raw, headers = signed({**BODY, "amount": "150.000"})
    response = _post(anonymous_client, raw, headers)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["amount"]


def test_an_oversized_body_is_refused_unread(anonymous_client, configured):
    raw, headers = signed({**BODY, "padding": "x" * 70_000})
    assert _post(anonymous_client, raw, headers).status_code == 413


def test_the_notification_is_tenant_scoped(sieuapp_platform, configured):
    # The same signed request at an unknown province's host is not taken.
    raw, headers = signed(BODY)
    client = sieuapp_platform.client(None)
    response = client.post(
        NOTIFY_URL, data=raw, headers=headers, base_url="http://hcm.sieuapp.test/"
    )
    assert response.status_code == 404


def test_a_disabled_module_takes_no_notification(sieuapp_platform, anonymous_client, configured):
    sieuapp_platform.disable("vietqr")
    raw, headers = signed(BODY)
    assert _post(anonymous_client, raw, headers).status_code == 404


def test_config_is_checked_before_anything_else(anonymous_client, configure_plugin):
    # An outgoing transfer needs no payment lookup: it is acknowledged and ignored.
    assert configure_plugin(CONFIG).status_code == 200
    raw, headers = signed({**BODY, "direction": "out"})
    response = _post(anonymous_client, raw, headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "matched": False,
        "reason": "not_a_credit",
        "reference": "FT24123456789012",
    }


def test_another_account_is_not_ours(anonymous_client, configured):
    raw, headers = signed({**BODY, "account_number": "9999999999"})
    response = _post(anonymous_client, raw, headers)
    assert response.status_code == 200
    assert response.get_json()["reason"] == "other_account"
