"""Duplicate notifications and retried requests arriving at once, on PostgreSQL, through a real
server with several worker processes, from client threads and client processes: a payment is
credited once, a request with one Idempotency-Key makes one payment."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
from sieuapp.core.payments import ledger
from sqlalchemy import text

from .payments_support import buy, shop_platform
from .reports_support import tenant_id
from .support import Server, child_env, database_url, free_port, serving, sieuapp_command

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

AMOUNT = 75_000
COPIES = 12


@pytest.fixture
def served(make_platform, synthetic, tmp_path: Path) -> Iterator[tuple[Server, object, list[str]]]:
    """Payments waiting at bankx, and ``sieuapp serve`` with 3 workers over the same database."""
    url = database_url(tmp_path / "unused.sqlite3")
    if not url.startswith("postgresql"):
        pytest.skip("the race needs PostgreSQL's concurrent writers")
    platform = shop_platform(make_platform, synthetic, database_url=url)
    citizen = platform.client("citizen")
    ids = []
    for _ in range(3):
        payment = buy(citizen, AMOUNT).get_json()
        started = citizen.post(
            f"/api/v1/payments/{payment['id']}/checkout", json={"provider": "bankx"}
        )
        assert started.status_code == 200
        ids.append(payment["id"])
    platform.token("official")
    port = free_port()
    env = child_env(
        plugin_dir=tmp_path / "site",
        SIEUAPP_DATABASE_URL=url,
        SIEUAPP_INSTANCE_PATH=str(tmp_path / "served"),
        SIEUAPP_PLUGINS="shop,bankx",
        SIEUAPP_SECRET_KEY="race-secret",
        SIEUAPP_DEFAULT_TENANT="hue",
    )
    command = sieuapp_command("serve", "--port", str(port), "--workers", "3")
    with serving(
        "payments",
        command,
        port=port,
        env=env,
        cwd=tmp_path,
        log=tmp_path / "serve.log",
        within=60,
    ) as server:
        yield server, platform, ids


def _notify(base: str, payment_id: str) -> str:
    answer = requests.post(
        f"{base}/m/bankx/notify",
        json={"payment": payment_id, "amount": AMOUNT, "ref": f"BX-{payment_id}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["outcome"]


#: A client process: ``copies`` threads send the same request at once and print, as JSON, the
#: ``field`` of each answer (or its status when it is not 200).
CLIENT = """
import json, sys, threading
from concurrent.futures import ThreadPoolExecutor
import requests

spec = json.loads(sys.argv[1])
barrier = threading.Barrier(spec["copies"])

def once(_):
    barrier.wait()
    answer = requests.request(spec["method"], spec["url"], json=spec.get("json"), timeout=30)
    return answer.json()[spec["field"]] if answer.status_code == 200 else answer.status_code

with ThreadPoolExecutor(spec["copies"]) as pool:
    print(json.dumps(list(pool.map(once, range(spec["copies"])))))
"""


def _client_processes(specs: list[dict]) -> list[str]:
    """Start one client process per spec at once; the answers they all saw."""
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CLIENT, json.dumps(spec)], stdout=subprocess.PIPE, text=True
        )
        for spec in specs
    ]
    outcomes: list[str] = []
    for child in children:
        out, _ = child.communicate(timeout=120)
        assert child.returncode == 0
        outcomes.extend(json.loads(out))
    return outcomes


def _notification(base: str, payment_id: str, copies: int) -> dict:
    return {
        "method": "POST",
        "url": f"{base}/m/bankx/notify",
        "json": {"payment": payment_id, "amount": AMOUNT, "ref": f"BX-{payment_id}"},
        "field": "outcome",
        "copies": copies,
    }


def test_duplicate_notifications_at_once_credit_once(served):
    server, platform, ids = served
    first, second, third = ids
    # Threads of one client.
    barrier = threading.Barrier(COPIES)

    def at_once(payment_id: str) -> str:
        barrier.wait()
        return _notify(server.base, payment_id)

    with ThreadPoolExecutor(COPIES) as pool:
        threaded = Counter(pool.map(at_once, [first] * COPIES))
    # Several client processes, each with threads, for two payments at once.
    from_processes = Counter(
        _client_processes(
            [
                _notification(server.base, payment_id, 4)
                for payment_id in (second, second, third, third)
            ]
        )
    )

    assert threaded == {"applied": 1, "already_settled": COPIES - 1}
    assert from_processes == {"applied": 2, "already_settled": 14}
    with platform.context() as session:
        hue = tenant_id(session)
        assert ledger.balance(session, hue, "clearing:bankx") == 3 * AMOUNT
        assert ledger.imbalance(session, hue) == 0
        transfers = session.execute(
            text("SELECT payment_id, count(*) FROM ledger_transfers GROUP BY payment_id")
        ).all()
    assert sorted(transfers) == sorted((payment_id, 2) for payment_id in ids)


def _create(base: str, token: str, key: str) -> tuple[int, str]:
    answer = requests.post(
        f"{base}/api/v1/payments",
        json={
            "amount": 12_000,
            "purpose": {"vi": "Lệ phí", "en": "Fee"},
            "payee": "so-xay-dung",
        },
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
        timeout=30,
    )
    return answer.status_code, answer.json()["id"]


def test_a_request_retried_at_once_makes_one_payment(served):
    server, platform, _ = served
    token = platform.token("official")
    barrier = threading.Barrier(COPIES)

    def at_once(_: int) -> tuple[int, str]:
        barrier.wait()
        return _create(server.base, token, "retry-me")

    with ThreadPoolExecutor(COPIES) as pool:
        answers = list(pool.map(at_once, range(COPIES)))
    assert {status for status, _ in answers} == {201}
    assert len({payment_id for _, payment_id in answers}) == 1
    with platform.context() as session:
        made = session.execute(
            text(
                "SELECT count(*) FROM payments WHERE payee_id IN "
                "(SELECT id FROM organizations WHERE code = 'so-xay-dung')"
            )
        ).scalar_one()
    assert made == 1


# -- VNPay's own IPN, signed as VNPay signs it ---------------------------------------------------

TMN_CODE = "RACE0001"
HASH_SECRET = "RACESECRETRACESECRETRACESECRET00"


def _ipn_query(redirect_url: str, number: int, secret: str = HASH_SECRET) -> str:
    """The IPN VNPay sends for a payment paid on its page (from the signed payment URL)."""
    from sieuapp_vnpay.signing import sign

    sent = dict(parse_qsl(urlsplit(redirect_url).query))
    ipn = {k: sent[k] for k in ("vnp_Amount", "vnp_TmnCode", "vnp_TxnRef", "vnp_OrderInfo")}
    ipn.update(
        vnp_BankCode="NCB",
        vnp_CardType="ATM",
        vnp_PayDate=sent["vnp_CreateDate"],
        vnp_ResponseCode="00",
        vnp_TransactionNo=str(number),
        vnp_TransactionStatus="00",
    )
    ipn["vnp_SecureHash"] = sign(ipn, secret)
    return urlencode(ipn)


@pytest.fixture
def vnpay_served(make_platform, tmp_path: Path) -> Iterator[tuple[Server, object, dict[str, str]]]:
    """Payments sent to VNPay (the real plugin), and ``sieuapp serve`` with 3 workers."""
    url = database_url(tmp_path / "unused.sqlite3")
    if not url.startswith("postgresql"):
        pytest.skip("the race needs PostgreSQL's concurrent writers")
    platform = make_platform(plugins=["vnpay"], database_url=url)
    admin = platform.client("province_admin")
    configured = admin.put(
        "/api/v1/admin/plugins/vnpay/config",
        json={"tmn_code": TMN_CODE, "hash_secret": HASH_SECRET},
    )
    assert configured.status_code == 200, configured.get_json()
    citizen = platform.client("citizen")
    redirects = {}
    for _ in range(3):
        made = admin.post(
            "/api/v1/payments",
            json={
                "amount": AMOUNT,
                "purpose": {"vi": "Lệ phí", "en": "Fee"},
                "payee": "ubnd-hue",
                "payer_id": platform.users["citizen"].id,
            },
        ).get_json()
        started = citizen.post(
            f"/api/v1/payments/{made['id']}/checkout", json={"provider": "vnpay"}
        )
        assert started.status_code == 200, started.get_json()
        redirects[made["id"]] = started.get_json()["redirect_url"]
    port = free_port()
    env = child_env(
        SIEUAPP_DATABASE_URL=url,
        SIEUAPP_INSTANCE_PATH=str(tmp_path / "served"),
        SIEUAPP_PLUGINS="vnpay",
        SIEUAPP_SECRET_KEY="race-secret",
        SIEUAPP_DEFAULT_TENANT="hue",
    )
    command = sieuapp_command("serve", "--port", str(port), "--workers", "3")
    with serving(
        "vnpay", command, port=port, env=env, cwd=tmp_path, log=tmp_path / "vnpay.log", within=60
    ) as server:
        yield server, platform, redirects


def _ipn(base: str, query: str, copies: int) -> dict:
    return {
        "method": "GET",
        "url": f"{base}/m/vnpay/ipn?{query}",
        "field": "RspCode",
        "copies": copies,
    }


def test_duplicate_vnpay_ipns_at_once_credit_once_and_a_tampered_one_gets_97(vnpay_served):
    server, platform, redirects = vnpay_served
    first, second, third = redirects
    numbers = {first: 14_000_001, second: 14_000_002, third: 14_000_003}
    queries = {p: _ipn_query(redirects[p], numbers[p]) for p in redirects}
    forged = _ipn_query(redirects[third], 14_000_999, secret="not-the-merchants-secret-000000")
    tampered = queries[second].replace(f"vnp_Amount={AMOUNT * 100}", f"vnp_Amount={AMOUNT}")

    barrier = threading.Barrier(COPIES)

    def at_once(_: int) -> str:
        barrier.wait()
        answer = requests.get(f"{server.base}/m/vnpay/ipn?{queries[first]}", timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()["RspCode"]

    with ThreadPoolExecutor(COPIES) as pool:
        threaded = Counter(pool.map(at_once, range(COPIES)))
    from_processes = Counter(
        _client_processes(
            [
                _ipn(server.base, queries[second], 4),
                _ipn(server.base, tampered, 2),
                _ipn(server.base, queries[third], 4),
                _ipn(server.base, forged, 2),
                _ipn(server.base, queries[second], 4),
                _ipn(server.base, queries[third], 4),
            ]
        )
    )

    assert threaded == {"00": 1, "02": COPIES - 1}
    assert from_processes == {"00": 2, "02": 14, "97": 4}
    with platform.context() as session:
        hue = tenant_id(session)
        assert ledger.balance(session, hue, "clearing:vnpay") == 3 * AMOUNT
        assert ledger.imbalance(session, hue) == 0
        refs = dict(session.execute(text("SELECT id, provider_ref FROM payments")).all())
    # Each payment carries its own transaction number, never the forged one.
    assert refs == {p: str(n) for p, n in numbers.items()}
