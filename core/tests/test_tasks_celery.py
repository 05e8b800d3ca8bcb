"""Background work on a real Celery worker with a Redis broker and PostgreSQL: the worker is a
separate process that finds the same plugin through its entry point, runs the task queued by a
request, and its beat sweep picks up a message the broker was never told about."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.db import unit_of_work
from sieuapp.core.tasks.models import OutboxMessage
from sieuapp.core.tasks.outbox import PENDING_KEY
from sieuapp.core.tenancy.models import Tenant
from sieuapp.core.testing import Platform
from sieuapp.core.testing import test_database_url as private_database_url
from sqlalchemy import select

from .support import Child, celery_worker, empty_broker, parcel_plugin

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

#: Every wait below is bounded by this; a worker that has not done its job by then is broken.
WAIT_SECONDS = 90.0


def is_parent_of(worker: Child, pid: int) -> bool:
    """Whether ``pid`` is a process of the worker's own pool (its direct child)."""
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return False
    for line in status.read_text().splitlines():
        if line.startswith("PPid:"):
            return int(line.split()[1]) == worker.pid
    return False


@pytest.fixture
def database(postgres_url: str) -> str:
    """This test process's own database on the PostgreSQL server."""
    # Imported under another name: pytest would collect a module-level ``test_*`` as a test.
    return private_database_url()


@pytest.fixture
def platform(make_platform, synthetic, database: str, redis_url: str) -> Platform:
    synthetic("parcel", parcel_plugin())
    return make_platform(
        plugins=["parcel"],
        entry_points=synthetic.entry_points(),
        database_url=database,
        task_backend="celery",
        broker_url=redis_url,
    )


@pytest.fixture
def worker(
    platform: Platform, plugin_dir: Path, tmp_path: Path, database: str, redis_url: str
) -> Iterator[Child]:
    """``celery worker --beat`` in its own process group (the embedded beat is a child of the
    worker), stopped at teardown."""
    empty_broker(redis_url)
    with celery_worker(
        tmp_path / "test", plugin_dir, database=database, broker=redis_url, plugins="parcel"
    ) as worker:
        yield worker


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


def test_worker_runs_the_task_a_request_queued(platform: Platform, worker: Child) -> None:
    assert platform.runtime.task_backend.name == "celery"
    response = platform.client().post("/m/parcel/parcels", json={"parcel": "HUE-C1"})
    assert response.status_code == 202, response.json
    message_id = response.json["task"]
    worker.wait_until(lambda: settled(platform, message_id), "the task ran", WAIT_SECONDS)
    assert_done(platform, message_id)

    [entry] = delivered(platform, "HUE-C1")
    # Written by a child of the worker process, for the tenant of the request, as the plugin.
    assert entry.after["tenant"] == "hue"
    assert is_parent_of(worker, entry.after["pid"]), (entry.after, worker.pid)
    assert entry.plugin_id == "parcel"
    with unit_of_work(platform.runtime.sessionmaker) as session:
        assert entry.tenant_id == session.scalar(select(Tenant.id).where(Tenant.slug == "hue"))


def test_beat_sweep_sends_a_message_the_broker_never_got(platform: Platform, worker: Child) -> None:
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
    worker.wait_until(lambda: settled(platform, message_id), "the sweep ran it", WAIT_SECONDS)
    assert_done(platform, message_id)
    [entry] = delivered(platform, "HUE-C2")
    assert entry.after["tenant"] == "hue"
    assert is_parent_of(worker, entry.after["pid"]), (entry.after, worker.pid)
    assert "sieuapp.sweep_outbox" in worker.output()
