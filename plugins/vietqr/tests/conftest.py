"""The plugin installed on an in-memory sieuapp, the province's configuration, and a bank
connector's signed notification, made here from the README's description (not with the
plugin's own signing code, which the tests check)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sieuapp.sdk import PaymentInfo, text

CONFIG_URL = "/api/v1/admin/plugins/vietqr/config"
PLUGIN_URL = "/api/v1/admin/plugins/vietqr"
NOTIFY_URL = "/m/vietqr/notify"
SECRET = "5c1e9a07d3b84f26a1e0c9d7b3f5a2e84c6d1b9f0a7e3c5d2b8f4a6e1c9d7b3f"

CONFIG: dict[str, Any] = {
    "bank_bin": "970436",
    "bank_name": "Vietcombank",
    "account_number": "0011001932418",
    "account_name": "UBND THANH PHO HUE",
    "service_code": "QRIBFTTA",
    "notify_secret": SECRET,
}


def payment(**overrides: Any) -> PaymentInfo:
    """A payment as the host hands it to ``start_payment`` (the host's id shape)."""
    now = datetime.now(UTC)
    base: dict[str, Any] = {
        "id": "PAY01HZX5K9M2Q7R8T4V",
        "amount": 150000,
        "status": "processing",
        "purpose": text("Lệ phí cấp bản sao", "Copy certificate fee"),
        "payee": "so-tu-phap",
        "payer_id": "u1",
        "plugin_id": None,
        "provider": "vietqr",
        "provider_ref": None,
        "refunded": 0,
        "created_at": now,
        "expires_at": now + timedelta(minutes=15),
    }
    return PaymentInfo(**{**base, **overrides})


def signed(
    body: dict[str, Any] | bytes, secret: str = SECRET, at: float | None = None
) -> tuple[bytes, dict[str, str]]:
    """A connector's request: the raw body and its headers (README, "The notification")."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    timestamp = str(int(time.time() if at is None else at))
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + raw, hashlib.sha256)
    return raw, {
        "Content-Type": "application/json",
        "X-Timestamp": timestamp,
        "X-Signature": f"sha256={digest.hexdigest()}",
    }


@pytest.fixture
def sieuapp_plugins() -> list[str]:
    return ["vietqr"]


@pytest.fixture
def configured(configure_plugin: Any) -> dict[str, Any]:
    response = configure_plugin(CONFIG)
    assert response.status_code == 200, response.get_json()
    return CONFIG
