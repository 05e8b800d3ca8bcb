"""Payments in the demo: VNPay pointed at the local gateway simulator, VietQR at a fictional
account, and a few payments to look at (a fee waiting for the demo citizen, one paid at the
counter, with its receipt and ledger entries).

The gateway's hash secret is made once per data folder, like the secret key. The simulator
itself is started by ``sieuapp demo`` next to the server (see ``gateway_command``)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

from sieuapp.sdk import text
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..identity.models import User
from ..payments import intents, providers, settlement
from ..payments.models import Payment
from .kept import kept_secret

VNPAY = "vnpay"
VIETQR = "vietqr"
TMN_CODE = "SIEUDEMO"
#: The simulator reads the hash secret from here rather than its command line (``ps`` shows it).
SECRET_ENV = "VNPAY_SIMULATOR_HASH_SECRET"
#: A made-up account at Vietcombank's BIN: codes scan in a banking app, no money can land.
VIETQR_ACCOUNT = "0011009999999"


def vietqr_config(data_dir: Path) -> dict[str, Any]:
    return {
        "bank_bin": "970436",
        "bank_name": "Vietcombank",
        "account_number": VIETQR_ACCOUNT,
        "account_name": "UBND THANH PHO HUE DEMO",
        "service_code": "QRIBFTTA",
        # What a bank connector would sign its notifications with (see plugins/vietqr).
        "notify_secret": kept_secret(data_dir, "vietqr_notify_secret"),
    }


def gateway_port(port: int) -> int:
    """The simulator listens next to the demo server."""
    return port + 1


def hash_secret(data_dir: Path) -> str:
    """The demo merchant's VNPay hash secret, kept in the data folder across restarts."""
    return kept_secret(data_dir, "vnpay_hash_secret")


def simulator_available() -> bool:
    return importlib.util.find_spec("sieuapp_vnpay") is not None


def vnpay_config(data_dir: Path, host: str, port: int) -> dict[str, Any]:
    gateway = f"http://{host}:{gateway_port(port)}"
    return {
        "tmn_code": TMN_CODE,
        "hash_secret": hash_secret(data_dir),
        "payment_url": f"{gateway}/paymentv2/vpcpay.html",
        "api_url": f"{gateway}/merchant_webapi/api/transaction",
    }


def gateway_command(data_dir: Path, host: str, port: int) -> tuple[list[str], dict[str, str]]:
    """The simulator's command line and environment: it notifies the demo's IPN."""
    command = [
        sys.executable,
        "-m",
        "sieuapp_vnpay.simulator",
        "--host",
        host,
        "--port",
        str(gateway_port(port)),
        "--tmn-code",
        TMN_CODE,
        "--ipn-url",
        f"http://{host}:{port}/m/{VNPAY}/ipn",
        # The demo's payer is a person clicking: a missed notification is retried soon.
        "--ipn-retry-interval",
        "10",
    ]
    return command, {**os.environ, SECRET_ENV: hash_secret(data_dir)}


def seed_payments(session: Session, tenant_id: int) -> int:
    """Two demo payments for the demo citizen, once: a building-permit fee to pay, and a
    water bill paid at a counter. Returns how many were made."""
    if session.scalar(select(func.count()).select_from(Payment)):
        return 0
    citizen = session.scalar(select(User).where(User.username == "citizen"))
    if citizen is None:
        return 0
    intents.create(
        session,
        tenant_id,
        amount=150_000,
        purpose=text("Lệ phí cấp giấy phép xây dựng nhà ở", "Home building permit fee"),
        payee="so-xay-dung",
        payer_id=citizen.id,
        plugin_id=None,
        expires_in=intents.MAX_EXPIRY,
    )
    paid = intents.create(
        session,
        tenant_id,
        amount=287_500,
        purpose=text("Tiền nước tháng 11/2026", "Water bill, November 2026"),
        payee="huewaco",
        payer_id=citizen.id,
        plugin_id=None,
        expires_in=intents.MAX_EXPIRY,
    )
    providers.attempt(session, paid, providers.ProviderEntry(None, providers.COUNTER))
    settlement.settle(
        session,
        tenant_id,
        paid.id,
        plugin_id=None,
        amount=paid.amount,
        succeeded=True,
        provider_ref="BL-DEMO-0001",
        detail="demo",
    )
    return 2
