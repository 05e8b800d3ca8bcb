"""The outbox with the inline backend, on SQLite and (in CI) PostgreSQL: a task runs only if the
transaction that queued it commits, fails into retries with backoff and then ``dead``, keeps its
attempt count while its own writes roll back, and a plugin's task runs as that plugin, for
the tenant that queued it, only while the module is enabled."""

from __future__ import annotations

import socket
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from sieuapp.core.audit.log import record as audit_record
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.db import current_session, unit_of_work, utcnow
from sieuapp.core.tasks.models import OutboxMessage
from sieuapp.core.tasks.outbox import BUSY, PENDING_KEY, WAITING, backoff, enqueue
from sieuapp.core.tenancy.context import current_tenant
from sieuapp.core.testing import Platform
from sqlalchemy import func, select, update

COURIER = """
from flask import abort, jsonify, request


@hookimpl
def startup(services):
    def deliver(payload, services):
        # What the task saw of its context is written down for the test to read.
        services.audit.record(
            "delivered",
            target=payload["parcel"],
            after={
                "tenant": services.tenancy.current().slug,
                "plugin": services.plugin_id,
                "user": services.identity.current_user(),
            },
        )
        if payload.get("fail"):
            raise RuntimeError(f"parcel {payload['parcel']} could not be delivered")

    services.tasks.register("deliver", deliver)


@hookimpl
def routes(services):
    bp = Blueprint("courier", __name__)

    @bp.post("/parcels")
    def send():
        body = request.get_json()
        services.audit.record("queued", target=body["parcel"])
        task_id = services.tasks.enqueue("deliver", body, delay=body.get("delay", 0))
        if body.get("refuse"):
            # The request fails after queueing: its transaction, task included, rolls back.
            abort(409, description="parcel refused")
        return jsonify(task=task_id), 202

    return bp
"""


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


@pytest.fixture
def platform(make_platform, synthetic) -> Platform:
    synthetic("courier", synthetic.source("courier", extra=COURIER))
    return make_platform(plugins=["courier"], entry_points=synthetic.entry_points())


def message(platform: Platform, message_id: str) -> OutboxMessage:
    with unit_of_work(platform.runtime.sessionmaker) as session:
        found = session.get(OutboxMessage, message_id)
        assert found is not None, f"no outbox row {message_id}"
        session.expunge(found)
        return found


def messages(platform: Platform) -> list[OutboxMessage]:
    with unit_of_work(platform.runtime.sessionmaker) as session:
        rows = list(session.scalars(select(OutboxMessage)))
        session.expunge_all()
        return rows


def audits(platform: Platform, action: str) -> list[AuditEntry]:
    with unit_of_work(platform.runtime.sessionmaker) as session:
        rows = list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))
        session.expunge_all()
        return rows


def make_due(platform: Platform, message_id: str) -> None:
    """Skip the rest of a backoff or delay, as if its time had come."""
    with unit_of_work(platform.runtime.sessionmaker) as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(available_at=utcnow() - timedelta(seconds=1))
        )


def queue(platform: Platform, task: str, payload: dict[str, Any], **options: Any) -> str:
    """Queue ``task`` for the platform's tenant in a transaction that commits."""
    with platform.context() as session:
        return enqueue(session, task, payload, tenant_id=current_tenant().id, **options)


def assert_backoff(row: OutboxMessage, before: datetime, after: datetime) -> None:
    wait = backoff(row.attempts)
    assert before + wait <= row.available_at <= after + wait, (row.available_at, before, after)


def test_task_queued_by_a_committed_request_runs_after_commit(platform: Platform) -> None:
    response = platform.client().post("/m/courier/parcels", json={"parcel": "HUE-1"})
    assert response.status_code == 202, response.json
    # Only the dispatch made when the request committed may run it: no sweep, no drain.
    platform.runtime.task_backend.settle()
    row = message(platform, response.json["task"])
    assert (row.status, row.attempts, row.task) == ("done", 1, "courier.deliver")
    assert row.done_at is not None and row.last_error is None
    assert platform.run_tasks() == 0

    [delivered] = audits(platform, "courier.delivered")
    assert delivered.target == "HUE-1"
    assert delivered.plugin_id == "courier"
    assert delivered.actor_label == "plugin:courier"
    # The task ran in the queueing tenant with the plugin's own services, and as nobody.
    assert delivered.after == {"tenant": "hue", "plugin": "courier", "user": None}
    with platform.context() as session:
        assert delivered.tenant_id == current_tenant().id
        assert session.get(OutboxMessage, row.id).tenant_id == current_tenant().id


def test_task_queued_in_a_rolled_back_request_never_runs(platform: Platform) -> None:
    refused = platform.client().post("/m/courier/parcels", json={"parcel": "HUE-2", "refuse": True})
    assert refused.status_code == 409, refused.json
    platform.runtime.task_backend.settle()
    assert platform.run_tasks() == 0
    assert messages(platform) == []
    assert audits(platform, "courier.queued") == []
    assert audits(platform, "courier.delivered") == []


def test_rollback_forgets_the_queued_ids(platform: Platform) -> None:
    session = platform.runtime.sessionmaker()
    try:
        enqueue(session, "courier.deliver", {"parcel": "HUE-3"}, tenant_id=None)
        assert len(session.info[PENDING_KEY]) == 1
        session.rollback()
        assert PENDING_KEY not in session.info
        # A later commit of the same session dispatches nothing and writes nothing.
        session.commit()
    finally:
        session.close()
    assert messages(platform) == []


def test_failing_task_backs_off_then_dies_after_max_attempts(platform: Platform) -> None:
    before = utcnow()
    message_id = queue(
        platform, "courier.deliver", {"parcel": "HUE-4", "fail": True}, max_attempts=3
    )
    platform.runtime.task_backend.settle()
    row = message(platform, message_id)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error == "RuntimeError: parcel HUE-4 could not be delivered"
    assert_backoff(row, before, utcnow())

    # Not due yet: neither the drain nor a direct run touches it.
    assert platform.run_tasks() == 0
    assert platform.runtime.run_outbox_message(message_id) == WAITING
    assert message(platform, message_id).attempts == 1

    make_due(platform, message_id)
    before = utcnow()
    assert platform.run_tasks() == 1
    row = message(platform, message_id)
    assert (row.status, row.attempts) == ("pending", 2)
    assert_backoff(row, before, utcnow())
    assert backoff(2) == 2 * backoff(1)

    make_due(platform, message_id)
    assert platform.run_tasks() == 1
    row = message(platform, message_id)
    assert (row.status, row.attempts, row.done_at) == ("dead", 3, None)
    assert row.last_error == "RuntimeError: parcel HUE-4 could not be delivered"

    make_due(platform, message_id)
    assert platform.run_tasks() == 0
    assert platform.runtime.run_outbox_message(message_id) == "dead"
    assert message(platform, message_id).attempts == 3
    # Each attempt's audit entry went down with it.
    assert audits(platform, "courier.delivered") == []


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert backoff(11) == timedelta(seconds=2048)
    assert backoff(12) == timedelta(hours=1)
    assert backoff(10_000) == timedelta(hours=1)


def test_failed_task_loses_its_writes_but_keeps_the_attempt(platform: Platform) -> None:
    def write_then_fail(payload: dict[str, Any]) -> None:
        audit_record(current_session(), "test.written", tenant_id=None, target=payload["n"])
        current_session().flush()
        raise ValueError(f"step {payload['n']} broke after writing")

    platform.runtime.task_registry.register("test.write_then_fail", write_then_fail)
    message_id = queue(platform, "test.write_then_fail", {"n": "7"})
    platform.run_tasks()
    row = message(platform, message_id)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error == "ValueError: step 7 broke after writing"
    assert audits(platform, "test.written") == []


def test_task_breaking_a_constraint_is_a_failed_attempt(platform: Platform) -> None:
    def dangling(payload: dict[str, Any]) -> None:
        # No flush here: the foreign key breaks when the task's savepoint is released.
        audit_record(current_session(), "test.dangling", tenant_id=payload["tenant"])

    platform.runtime.task_registry.register("test.dangling", dangling)
    message_id = queue(platform, "test.dangling", {"tenant": 999_999}, max_attempts=1)
    platform.run_tasks()
    row = message(platform, message_id)
    assert (row.status, row.attempts) == ("dead", 1)
    assert "IntegrityError" in row.last_error and "FOREIGN KEY" in row.last_error.upper()
    assert audits(platform, "test.dangling") == []


def test_tasks_queued_by_a_failed_task_are_dropped(platform: Platform) -> None:
    def first(payload: dict[str, Any]) -> None:
        enqueue(current_session(), "test.second", {"from": payload["n"]})
        if payload["fail"]:
            raise RuntimeError("first failed")

    def second(payload: dict[str, Any]) -> None:
        audit_record(current_session(), "test.second", tenant_id=None, target=payload["from"])

    platform.runtime.task_registry.register("test.first", first)
    platform.runtime.task_registry.register("test.second", second)
    queue(platform, "test.first", {"n": "bad", "fail": True})
    queue(platform, "test.first", {"n": "good", "fail": False})
    platform.run_tasks()
    by_task: dict[str, list[str]] = {}
    for row in messages(platform):
        by_task.setdefault(row.task, []).append(row.status)
    assert sorted(by_task["test.first"]) == ["done", "pending"]
    assert by_task["test.second"] == ["done"]
    assert [a.target for a in audits(platform, "test.second")] == ["good"]


def test_plugin_task_of_a_disabled_module_does_not_run(platform: Platform) -> None:
    queued = platform.client().post("/m/courier/parcels", json={"parcel": "HUE-5", "delay": 3600})
    assert queued.status_code == 202, queued.json
    message_id = queued.json["task"]
    platform.disable("courier")
    make_due(platform, message_id)
    assert platform.run_tasks() == 1
    row = message(platform, message_id)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error == "PermissionError: module 'courier' is not enabled for tenant 'hue'"
    assert audits(platform, "courier.delivered") == []

    # Switched on again, the retry delivers it.
    platform.install("courier")
    make_due(platform, message_id)
    assert platform.run_tasks() == 1
    assert message(platform, message_id).status == "done"
    assert [a.target for a in audits(platform, "courier.delivered")] == ["HUE-5"]


def test_unknown_task_is_dead_at_once_with_the_reason(platform: Platform) -> None:
    message_id = queue(platform, "nobody.nothing", {"x": 1})
    platform.runtime.task_backend.settle()
    row = message(platform, message_id)
    assert (row.status, row.attempts) == ("dead", 1)
    known = ", ".join(platform.runtime.task_registry.names())
    assert "courier.deliver" in known
    assert row.last_error == (
        f"LookupError: no task named 'nobody.nothing' is registered (known: {known})"
    )


def test_delayed_task_waits_for_its_time(platform: Platform) -> None:
    message_id = queue(platform, "courier.deliver", {"parcel": "HUE-6"}, delay=3600)
    platform.runtime.task_backend.settle()
    assert platform.run_tasks() == 0
    assert message(platform, message_id).attempts == 0
    make_due(platform, message_id)
    assert platform.run_tasks() == 1
    assert message(platform, message_id).status == "done"


def test_max_attempts_must_be_positive(platform: Platform) -> None:
    with pytest.raises(ValueError, match="max_attempts must be at least 1, not 0"):
        queue(platform, "courier.deliver", {"parcel": "HUE-7"}, max_attempts=0)
    assert messages(platform) == []


@pytest.mark.postgres
def test_same_message_run_twice_at_once_runs_once(platform: Platform) -> None:
    started = threading.Event()
    release = threading.Event()

    def slow(payload: dict[str, Any]) -> None:
        audit_record(current_session(), "test.slow", tenant_id=None, target=payload["n"])
        current_session().flush()
        started.set()
        # Holds its row lock until the second runner has been turned away.
        if not release.wait(timeout=60):
            raise TimeoutError("the test never released the task")

    platform.runtime.task_registry.register("test.slow", slow)
    message_id = queue(platform, "test.slow", {"n": "1"}, delay=3600)
    make_due(platform, message_id)

    outcomes: dict[str, str] = {}
    first = threading.Thread(
        target=lambda: outcomes.update(first=platform.runtime.run_outbox_message(message_id))
    )
    first.start()
    try:
        assert started.wait(timeout=60), "the first runner never started the task"
        outcomes["second"] = platform.runtime.run_outbox_message(message_id)
    finally:
        release.set()
        first.join(timeout=60)
    assert not first.is_alive()
    assert outcomes == {"first": "done", "second": BUSY}
    row = message(platform, message_id)
    assert (row.status, row.attempts) == ("done", 1)
    with unit_of_work(platform.runtime.sessionmaker) as session:
        count = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "test.slow")
        )
    assert count == 1


def test_same_message_in_two_threads_on_a_sqlite_file_runs_once(make_platform, tmp_path) -> None:
    # A file, unlike the shared in-memory database, gives each thread its own connection,
    # as each server process has: the write lock taken first is what keeps the run single.
    platform = make_platform(plugins=[], database_url=f"sqlite:///{tmp_path / 'tasks.sqlite3'}")
    assert platform.runtime.task_backend.threads
    entered = [threading.Event(), threading.Event()]
    release = threading.Event()

    def slow(payload: dict[str, Any]) -> None:
        audit_record(current_session(), "test.slow", tenant_id=None, target=payload["n"])
        current_session().flush()
        entered[sum(e.is_set() for e in entered)].set()
        if not release.wait(timeout=60):
            raise TimeoutError("the test never released the task")

    platform.runtime.task_registry.register("test.slow", slow)
    message_id = queue(platform, "test.slow", {"n": "1"}, delay=3600)
    make_due(platform, message_id)

    outcomes: dict[str, str] = {}
    runners = [
        threading.Thread(
            target=lambda name=name: outcomes.update(
                {name: platform.runtime.run_outbox_message(message_id)}
            )
        )
        for name in ("first", "second")
    ]
    runners[0].start()
    try:
        assert entered[0].wait(timeout=60), "the first runner never started the task"
        runners[1].start()
        # Give a broken lock the chance to let the second runner in; a working one keeps it
        # waiting however long this is, so the outcome does not depend on the time.
        entered[1].wait(timeout=1)
    finally:
        release.set()
        for runner in runners:
            runner.join(timeout=90)
    assert not any(r.is_alive() for r in runners)
    assert outcomes == {"first": "done", "second": "done"}
    assert (message(platform, message_id).attempts, len(audits(platform, "test.slow"))) == (1, 1)


def test_broker_down_at_commit_leaves_the_message_pending_for_the_sweep(
    make_platform, synthetic, caplog: pytest.LogCaptureFixture, closed_port: int
) -> None:
    synthetic("courier", synthetic.source("courier", extra=COURIER))
    platform = make_platform(
        plugins=["courier"],
        entry_points=synthetic.entry_points(),
        task_backend="celery",
        broker_url=f"redis://127.0.0.1:{closed_port}/0",
    )
    response = platform.client().post("/m/courier/parcels", json={"parcel": "HUE-8"})
    # The change is committed whatever the broker says; the outbox row is what is not lost.
    assert response.status_code == 202, response.json
    row = message(platform, response.json["task"])
    assert (row.status, row.attempts) == ("pending", 0)
    assert [a.target for a in audits(platform, "courier.queued")] == ["HUE-8"]
    assert f"could not send outbox message {row.id} to the broker" in caplog.text
    assert platform.runtime.due_outbox_ids() == [row.id]
