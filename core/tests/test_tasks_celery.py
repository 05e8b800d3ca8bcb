"""Background work on a real Celery worker with a Redis broker and PostgreSQL: the worker is a
separate process that finds the same plugin through its entry point, runs the task queued by a
request, and its beat sweep picks up a message the broker was never told about."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.db import unit_of_work
from sieuapp.core.tasks.models import OutboxMessage
from sieuapp.core.tasks.outbox import PENDING_KEY
from sieuapp.core.tenancy.models import Tenant
from sieuapp.core.testing import Platform
from sqlalchemy import select

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

#: Every wait below is bounded by this; a worker that has not done its job by then is broken.
WAIT_SECONDS = 90.0

PARCEL = """
import os

from flask import jsonify, request


@hookimpl
def startup(services):
    def deliver(payload, services):
        services.audit.record(
            "delivered",
            target=payload["parcel"],
            after={"pid": os.getpid(), "tenant": services.tenancy.current().slug},
        )

    services.tasks.register("deliver", deliver)


@hookimpl
def routes(services):
    bp = Blueprint("parcel", __name__)

    @bp.post("/parcels")
    def send():
        task_id = services.tasks.enqueue("deliver", request.get_json())
        return jsonify(task=task_id), 202

    return bp
"""


class Worker:
    """A ``celery worker --beat`` process in its own process group, killed at teardown."""

    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process = process
        self.log = log

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def is_parent_of(self, pid: int) -> bool:
        status = Path(f"/proc/{pid}/status")
        if not status.exists():
            return False
        for line in status.read_text().splitlines():
            if line.startswith("PPid:"):
                return int(line.split()[1]) == self.process.pid
        return False

    def check_alive(self) -> None:
        code = self.process.poll()
        if code is not None:
            pytest.fail(f"the Celery worker exited with {code}:\n{self.tail()}", pytrace=False)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        # The whole group: the embedded beat runs as a child of the worker.
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)


@pytest.fixture
def platform(make_platform, synthetic, postgres_url: str, redis_url: str) -> Platform:
    synthetic("parcel", synthetic.source("parcel", extra=PARCEL))
    return make_platform(
        plugins=["parcel"],
        entry_points=synthetic.entry_points(),
        database_url=postgres_url,
        task_backend="celery",
        broker_url=redis_url,
    )


@pytest.fixture
def worker(
    platform: Platform, plugin_dir: Path, tmp_path: Path, postgres_url: str, redis_url: str
) -> Iterator[Worker]:
    # Messages left in the queue by an earlier run name rows that no longer exist.
    broker = redis.Redis.from_url(redis_url)
    broker.delete("celery")
    broker.close()
    home = tmp_path / "worker"
    home.mkdir()
    env = {
        **os.environ,
        "SIEUAPP_DATABASE_URL": postgres_url,
        "SIEUAPP_TASK_BACKEND": "celery",
        "SIEUAPP_BROKER_URL": redis_url,
        "SIEUAPP_PLUGINS": "parcel",
        "SIEUAPP_INSTANCE_PATH": str(home / "instance"),
        "SIEUAPP_SECRET_KEY": "worker-test-secret",
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(plugin_dir), os.environ.get("PYTHONPATH", "")) if p
        ),
    }
    log = home / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "sieuapp.core.worker",
                "worker",
                # The production pool: tasks run in a forked child of the worker.
                "--pool=prefork",
                "--concurrency=1",
                "--beat",
                "--schedule",
                str(home / "beat-schedule"),
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--hostname",
                f"test-{os.getpid()}@%h",
            ],
            cwd=home,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    started = Worker(process, log)
    try:
        yield started
    finally:
        started.stop()


def wait_for(worker: Worker, what: str, done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not done():
        worker.check_alive()
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not within {WAIT_SECONDS}s; worker log:\n{worker.tail()}")
        time.sleep(0.2)


def settled(platform: Platform, message_id: str) -> bool:
    """Whether the message has stopped being pending (done, or dead)."""
    with unit_of_work(platform.runtime.sessionmaker) as session:
        row = session.get(OutboxMessage, message_id)
        return row is not None and (row.status != "pending" or row.attempts > 0)


def assert_done(platform: Platform, message_id: str) -> OutboxMessage:
    with unit_of_work(platform.runtime.sessionmaker) as session:
        row = session.get(OutboxMessage, message_id)
        session.expunge(row)
    assert (row.status, row.attempts, row.last_error) == ("done", 1, None)
    return row


def delivered(platform: Platform, parcel: str) -> list[AuditEntry]:
    with unit_of_work(platform.runtime.sessionmaker) as session:
        rows = list(
            session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "parcel.delivered", AuditEntry.target == parcel
                )
            )
        )
        session.expunge_all()
        return rows


def test_worker_runs_the_task_a_request_queued(platform: Platform, worker: Worker) -> None:
    assert platform.runtime.task_backend.name == "celery"
    response = platform.client().post("/m/parcel/parcels", json={"parcel": "HUE-C1"})
    assert response.status_code == 202, response.json
    message_id = response.json["task"]
    wait_for(worker, "the task ran", lambda: settled(platform, message_id))
    assert_done(platform, message_id)

    [entry] = delivered(platform, "HUE-C1")
    # Written by a child of the worker process, for the tenant of the request, as the plugin.
    assert entry.after["tenant"] == "hue"
    assert worker.is_parent_of(entry.after["pid"]), (entry.after, worker.process.pid)
    assert entry.plugin_id == "parcel"
    with unit_of_work(platform.runtime.sessionmaker) as session:
        assert entry.tenant_id == session.scalar(select(Tenant.id).where(Tenant.slug == "hue"))


def test_beat_sweep_sends_a_message_the_broker_never_got(
    platform: Platform, worker: Worker
) -> None:
    with unit_of_work(platform.runtime.sessionmaker) as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == "hue"))
        # Written as a crash between commit and dispatch would leave it: pending, never sent.
        message = OutboxMessage(
            task="parcel.deliver", payload={"parcel": "HUE-C2"}, tenant_id=tenant_id
        )
        session.add(message)
        session.flush()
        message_id = message.id
        assert PENDING_KEY not in session.info
    wait_for(worker, "the sweep ran it", lambda: settled(platform, message_id))
    assert_done(platform, message_id)
    [entry] = delivered(platform, "HUE-C2")
    assert entry.after["tenant"] == "hue"
    assert worker.is_parent_of(entry.after["pid"]), (entry.after, worker.process.pid)
    assert "sieuapp.sweep_outbox" in worker.tail()
