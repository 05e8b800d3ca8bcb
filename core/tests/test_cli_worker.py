"""``sieuapp worker``: a Celery worker (Redis broker) that runs what a request queued, and that
refuses a database behind the code."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.db import make_engine, unit_of_work
from sieuapp.core.tasks.models import OutboxMessage
from sieuapp.core.testing import Platform, reset_database
from sqlalchemy import select

from .support import Child, child_env, database_url, parcel_plugin, running, sieuapp_command

WAIT_SECONDS = 90.0

WORKER = sieuapp_command("worker", "--concurrency", "1")


def worker_env(tmp_path: Path, plugin_dir: Path, url: str, broker: str) -> dict[str, str]:
    return child_env(
        plugin_dir,
        SIEUAPP_DATABASE_URL=url,
        SIEUAPP_BROKER_URL=broker,
        SIEUAPP_PLUGINS="parcel",
        SIEUAPP_INSTANCE_PATH=str(tmp_path / "worker"),
        SIEUAPP_SECRET_KEY="worker-cli-test",
    )


@pytest.mark.slow
def test_worker_refuses_a_database_without_the_schema(
    tmp_path: Path, plugin_dir: Path, synthetic
) -> None:
    synthetic("parcel", parcel_plugin())
    url = database_url(tmp_path / "w.sqlite3")
    engine = make_engine(url)
    reset_database(engine)
    engine.dispose()
    env = worker_env(tmp_path, plugin_dir, url, "redis://127.0.0.1:1/0")
    with running("worker", WORKER, env=env, cwd=tmp_path, log=tmp_path / "refused.log") as worker:
        code = worker.exit_code(within=120)
        if code is None:
            pytest.fail(f"the worker started instead of refusing:\n{worker.output()}")
    assert code == 1, worker.output()
    assert "Migrations are pending: run 'sieuapp db upgrade' first." in worker.output()


@pytest.fixture
def platform(make_platform, synthetic, tmp_path: Path, redis_url: str) -> Platform:
    synthetic("parcel", parcel_plugin())
    return make_platform(
        plugins=["parcel"],
        entry_points=synthetic.entry_points(),
        database_url=database_url(tmp_path / "w.sqlite3"),
        task_backend="celery",
        broker_url=redis_url,
    )


@pytest.fixture
def worker(platform: Platform, tmp_path: Path, plugin_dir: Path, redis_url: str) -> Iterator[Child]:
    """``sieuapp worker`` in its own process, on the platform's database and broker."""
    broker = redis.Redis.from_url(redis_url)
    broker.delete("celery")  # messages of an earlier run name rows that no longer exist
    broker.close()
    env = worker_env(tmp_path, plugin_dir, platform.runtime.settings.database_url, redis_url)
    with running("worker", WORKER, env=env, cwd=tmp_path, log=tmp_path / "worker.log") as worker:
        yield worker


@pytest.mark.redis
@pytest.mark.slow
def test_worker_runs_the_task_a_request_queued(platform: Platform, worker: Child) -> None:
    response = platform.client().post("/m/parcel/parcels", json={"parcel": "HUE-W1"})
    assert response.status_code == 202, response.json
    message_id = response.json["task"]

    def done() -> bool:
        with unit_of_work(platform.runtime.sessionmaker) as session:
            status = session.scalar(
                select(OutboxMessage.status).where(OutboxMessage.id == message_id)
            )
        return status == "done"

    worker.wait_until(done, "the task ran", WAIT_SECONDS)

    with unit_of_work(platform.runtime.sessionmaker) as session:
        [entry] = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "parcel.delivered", AuditEntry.target == "HUE-W1"
            )
        ).all()
        # Run in the worker's pool, not in this process.
        assert entry.after["pid"] != os.getpid()
        assert entry.plugin_id == "parcel"
    assert "sieuapp.run_outbox_message" in worker.output()
