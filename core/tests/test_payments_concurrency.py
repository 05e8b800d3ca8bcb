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


#: A client process: ``copies`` threads post the same notification at once and print the
#: outcomes as JSON.
CLIENT = """
import json, sys, threading
from concurrent.futures import ThreadPoolExecutor
import requests

base, payment_id, amount, copies = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
barrier = threading.Barrier(copies)

def once(_):
    barrier.wait()
    answer = requests.post(
        base + "/m/bankx/notify",
        json={"payment": payment_id, "amount": amount, "ref": "BX-" + payment_id},
        timeout=30,
    )
    return answer.json()["outcome"] if answer.status_code == 200 else answer.status_code

with ThreadPoolExecutor(copies) as pool:
    print(json.dumps(list(pool.map(once, range(copies)))))
"""


def _client_processes(base: str, jobs: list[tuple[str, int]]) -> list[str]:
    """Start one client process per job at once; the outcomes they all saw."""
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CLIENT, base, payment_id, str(AMOUNT), str(copies)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for payment_id, copies in jobs
    ]
    outcomes: list[str] = []
    for child in children:
        out, _ = child.communicate(timeout=120)
        assert child.returncode == 0
        outcomes.extend(json.loads(out))
    return outcomes


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
        _client_processes(server.base, [(second, 4), (second, 4), (third, 4), (third, 4)])
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
