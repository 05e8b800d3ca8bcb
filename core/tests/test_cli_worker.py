"""``sieuapp worker``: a Celery worker (Redis broker) that runs what a request queued, and that
refuses a database behind the code."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.db import make_engine, unit_of_work
from sieuapp.core.tasks.models import OutboxMessage
from sieuapp.core.testing import Platform, reset_database
from sqlalchemy import select

WAIT_SECONDS = 90.0

PARCEL = """
import os

from flask import jsonify, request


@hookimpl
def startup(services):
    def deliver(payload, services):
        services.audit.record("delivered", target=payload["parcel"], after={"pid": os.getpid()})

    services.tasks.register("deliver", deliver)


@hookimpl
def routes(services):
    bp = Blueprint("parcel", __name__)

    @bp.post("/parcels")
    def send():
        return jsonify(task=services.tasks.enqueue("deliver", request.get_json())), 202

    return bp
"""


def database_url(tmp_path: Path) -> str:
    return os.environ.get("SIEUAPP_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'w.sqlite3'}"


def worker_env(tmp_path: Path, plugin_dir: Path, url: str, broker: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIEUAPP_")}
    env.update(
        SIEUAPP_DATABASE_URL=url,
        SIEUAPP_BROKER_URL=broker,
        SIEUAPP_PLUGINS="parcel",
        SIEUAPP_INSTANCE_PATH=str(tmp_path / "worker"),
        SIEUAPP_SECRET_KEY="worker-cli-test",
        PYTHONPATH=os.pathsep.join(filter(None, [str(plugin_dir), os.environ.get("PYTHONPATH")])),
    )
    return env


def start_worker(env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from sieuapp.core.cli import main; main()",
                "worker",
                "--concurrency",
                "1",
            ],
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


@pytest.mark.slow
def test_worker_refuses_a_database_without_the_schema(
    tmp_path: Path, plugin_dir: Path, synthetic
) -> None:
    synthetic("parcel", synthetic.source("parcel", extra=PARCEL))
    url = database_url(tmp_path)
    engine = make_engine(url)
    reset_database(engine)
    engine.dispose()
    log = tmp_path / "refused.log"
    process = start_worker(
        worker_env(tmp_path, plugin_dir, url, "redis://127.0.0.1:1/0"), tmp_path, log
    )
    try:
        process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the worker started instead of refusing:\n{log.read_text()}")
    finally:
        stop(process)
    assert process.returncode == 1, log.read_text()
    assert "Migrations are pending: run 'sieuapp db upgrade' first." in log.read_text()


@pytest.fixture
def platform(make_platform, synthetic, tmp_path: Path, redis_url: str) -> Platform:
    synthetic("parcel", synthetic.source("parcel", extra=PARCEL))
    return make_platform(
        plugins=["parcel"],
        entry_points=synthetic.entry_points(),
        database_url=database_url(tmp_path),
        task_backend="celery",
        broker_url=redis_url,
    )


@pytest.fixture
def worker(
    platform: Platform, tmp_path: Path, plugin_dir: Path, redis_url: str
) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    broker = redis.Redis.from_url(redis_url)
    broker.delete("celery")  # messages of an earlier run name rows that no longer exist
    broker.close()
    log = tmp_path / "worker.log"
    env = worker_env(tmp_path, plugin_dir, platform.runtime.settings.database_url, redis_url)
    process = start_worker(env, tmp_path, log)
    try:
        yield process, log
    finally:
        stop(process)


@pytest.mark.redis
@pytest.mark.slow
def test_worker_runs_the_task_a_request_queued(
    platform: Platform, worker: tuple[subprocess.Popen[bytes], Path]
) -> None:
    process, log = worker
    response = platform.client().post("/m/parcel/parcels", json={"parcel": "HUE-W1"})
    assert response.status_code == 202, response.json
    message_id = response.json["task"]

    def status() -> str | None:
        with unit_of_work(platform.runtime.sessionmaker) as session:
            return session.scalar(
                select(OutboxMessage.status).where(OutboxMessage.id == message_id)
            )

    deadline = time.monotonic() + WAIT_SECONDS
    while status() != "done":
        if process.poll() is not None:
            pytest.fail(f"the worker exited with {process.returncode}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"the task did not run within {WAIT_SECONDS}s:\n{log.read_text()}")
        time.sleep(0.2)

    with unit_of_work(platform.runtime.sessionmaker) as session:
        [entry] = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "parcel.delivered", AuditEntry.target == "HUE-W1"
            )
        ).all()
        # Run in the worker's pool, not in this process.
        assert entry.after["pid"] != os.getpid()
        assert entry.plugin_id == "parcel"
    assert "sieuapp.run_outbox_message" in log.read_text()
