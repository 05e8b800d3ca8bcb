"""An alert published through the API is fanned out by a real Celery worker (Redis broker,
PostgreSQL): the batches of users and their deliveries are background tasks that the worker's
processes run, and every user in the area is told once on each of their channels."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from sieuapp.core.alerts.models import Alert, UserArea
from sieuapp.core.db import new_id, unit_of_work
from sieuapp.core.identity.models import User
from sieuapp.core.notifications.models import Delivery, NotificationPreference, PushSubscription
from sieuapp.core.tasks.models import OutboxMessage
from sieuapp.core.testing import Platform
from sieuapp.core.testing import test_database_url as private_database_url
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from .alerts_support import AN_CUU, PHU_XUAN, VY_DA, alert_data
from .notifications_support import RECORDER_ENV, recorded, recorder_plugin
from .reports_support import tenant_id
from .support import Child, celery_worker, empty_broker

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

#: Every wait below is bounded by this; a worker that has not done its job by then is broken.
WAIT_SECONDS = 120.0
#: Small, so that the fan-out takes several steps; the worker reads it from its environment.
BATCH = 40
INSIDE, OUTSIDE = 300, 20
#: Every third person in the area also asked for alerts by e-mail.
MAILED_EVERY = 3


@pytest.fixture
def database(postgres_url: str) -> str:
    # Imported under another name: pytest would collect a module-level ``test_*`` as a test.
    return private_database_url()


@pytest.fixture
def platform(make_platform, synthetic, database: str, redis_url: str) -> Platform:
    synthetic("recorder", recorder_plugin())
    empty_broker(redis_url)
    return make_platform(
        plugins=["recorder"],
        entry_points=synthetic.entry_points(),
        database_url=database,
        task_backend="celery",
        broker_url=redis_url,
    )


@pytest.fixture
def start_worker(
    platform: Platform, plugin_dir: Path, tmp_path: Path, database: str, redis_url: str
) -> Iterator[Callable[[Path], Child]]:
    """Starts ``celery worker`` (two pool processes) when the test asks, writing what the
    recorder channel is handed to ``log``; stopped at teardown."""
    with ExitStack() as stack:

        def start(log: Path) -> Child:
            return stack.enter_context(
                celery_worker(
                    tmp_path / "alerts",
                    plugin_dir,
                    database=database,
                    broker=redis_url,
                    plugins="recorder",
                    concurrency=2,
                    SIEUAPP_ALERT_BATCH_SIZE=str(BATCH),
                    **{RECORDER_ENV: str(log)},
                )
            )

        yield start


def populate(session: Session, tenant: int) -> tuple[set[str], set[str], set[str]]:
    """People at home in the targeted wards (each with a browser, some with e-mail) and in a
    ward the alert misses; returns (inside, mailed, outside) user ids. Set-based inserts."""
    inside = [new_id() for _ in range(INSIDE)]
    outside = [new_id() for _ in range(OUTSIDE)]
    mailed = set(inside[::MAILED_EVERY])
    session.execute(
        insert(User),
        [
            {
                "id": user_id,
                "username": f"resident-{user_id}",
                "full_name": "Cư dân",
                "email": f"{user_id}@example.vn" if user_id in mailed else None,
            }
            for user_id in inside + outside
        ],
    )
    homes = [(u, (PHU_XUAN, VY_DA)[i % 2]) for i, u in enumerate(inside)]
    homes += [(u, AN_CUU) for u in outside]
    session.execute(
        insert(UserArea),
        [{"user_id": u, "tenant_id": tenant, "kind": "home", "unit_code": c} for u, c in homes],
    )
    session.execute(
        insert(PushSubscription),
        [
            {
                "user_id": u,
                "tenant_id": tenant,
                "endpoint": f"https://push.example/{u}",
                "endpoint_hash": hashlib.sha256(f"https://push.example/{u}".encode()).hexdigest(),
                "p256dh": "BPk" + "A" * 84,
                "auth": "A" * 22,
            }
            for u in inside + outside
        ],
    )
    session.execute(
        insert(NotificationPreference),
        [
            {
                "user_id": u,
                "tenant_id": tenant,
                "module": "alerts",
                "channel": "email",
                "enabled": True,
            }
            for u in mailed
        ],
    )
    return set(inside), mailed, set(outside)


def finished(platform: Platform, alert_id: int) -> bool:
    with unit_of_work(platform.runtime.sessionmaker) as session:
        return (
            session.scalar(select(Alert.fanout_finished_at).where(Alert.id == alert_id)) is not None
        )


def test_a_worker_fans_out_an_alert_to_each_user_once_per_channel(
    platform: Platform, start_worker: Callable[[Path], Child], tmp_path: Path
) -> None:
    assert platform.runtime.task_backend.name == "celery"
    with platform.context() as session:
        inside, mailed, outside = populate(session, tenant_id(session))
    ioc = platform.client("ioc_operator")
    areas = [{"area_desc": "Phú Xuân, Vỹ Dạ", "communes": [PHU_XUAN, VY_DA]}]
    draft = ioc.post("/api/v1/alerts", json=alert_data(areas=areas))
    assert draft.status_code == 201, draft.json
    alert_id = draft.json["id"]
    published = ioc.post(f"/api/v1/alerts/{alert_id}/publish", json={})
    assert published.status_code == 200, published.json
    assert published.json["targets"] == 2

    log = tmp_path / "recorder.jsonl"
    # Nothing ran in this process: the fan-out waits for a worker.
    assert not finished(platform, alert_id)
    with platform.context() as session:
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0
    expected = len(inside) + len(mailed)

    worker = start_worker(log)
    worker.wait_until(lambda: finished(platform, alert_id), "the fan-out finished", WAIT_SECONDS)
    worker.wait_until(
        lambda: log.exists() and len(recorded(log)) >= expected,
        f"{expected} messages were recorded",
        WAIT_SECONDS,
    )

    messages = recorded(log)
    pairs = [(m["channel"], m["user_id"]) for m in messages]
    assert len(pairs) == len(set(pairs)) == expected, "a message went out twice"
    assert {u for c, u in pairs if c == "web_push"} == inside
    assert {u for c, u in pairs if c == "email"} == mailed
    assert not {u for _, u in pairs} & outside
    assert {m["tenant"] for m in messages} == {"hue"}
    with unit_of_work(platform.runtime.sessionmaker) as session:
        assert session.scalar(select(Alert.recipients).where(Alert.id == alert_id)) == INSIDE
        steps = session.execute(
            select(OutboxMessage.status, OutboxMessage.attempts).where(
                OutboxMessage.task == "alerts.fan_out"
            )
        ).all()
        statuses = dict(
            session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
        )
    # Full batches each queue a next step; the last, shorter one finishes. All done by the
    # worker, each at its first attempt.
    assert len(steps) == INSIDE // BATCH + 1
    assert set(steps) == {("done", 1)}
    assert statuses == {"sent": expected}
