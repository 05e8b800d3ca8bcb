"""``sieuapp serve``: gunicorn from code; with the inline task backend each worker sweeps the
outbox, so a delayed task (which nothing dispatches at commit) still runs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.cli import main
from sieuapp.core.db import make_engine, unit_of_work
from sieuapp.core.tasks.models import OutboxMessage
from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from .support import Server, child_env, database_url, free_port, serving, sieuapp_command

WAIT_SECONDS = 90.0

LATER = """
import os

from flask import jsonify, request


@hookimpl
def startup(services):
    def remind(payload, services):
        services.audit.record("reminded", target=payload["who"], after={"pid": os.getpid()})

    services.tasks.register("remind", remind)


@hookimpl
def routes(services):
    bp = Blueprint("later", __name__)

    @bp.post("/reminders")
    def remind_later():
        return jsonify(task=services.tasks.enqueue("remind", request.get_json(), delay=1)), 202

    return bp
"""


@pytest.fixture
def database(make_platform, synthetic, tmp_path: Path) -> Iterator[Engine]:
    synthetic("later", synthetic.source("later", extra=LATER))
    url = database_url(tmp_path / "s.sqlite3")
    platform = make_platform(
        plugins=["later"], entry_points=synthetic.entry_points(), database_url=url
    )
    platform.close()
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def server(database: Engine, tmp_path: Path, plugin_dir: Path) -> Iterator[Server]:
    """``sieuapp serve`` in its own process (no secret key: it warns), answering /healthz."""
    port = free_port()
    env = child_env(
        plugin_dir,
        SIEUAPP_DATABASE_URL=database.url.render_as_string(hide_password=False),
        SIEUAPP_INSTANCE_PATH=str(tmp_path / "served"),
        SIEUAPP_PLUGINS="later",
        SIEUAPP_TASK_BACKEND="inline",
    )
    command = sieuapp_command("serve", "--port", str(port))
    log = tmp_path / "serve.log"
    with serving(
        "serve", command, port=port, env=env, cwd=tmp_path, log=log, within=WAIT_SECONDS
    ) as server:
        yield server


@pytest.mark.slow
def test_each_worker_sweeps_the_outbox_for_delayed_tasks(server: Server, database: Engine) -> None:
    response = requests.post(
        f"{server.base}/m/later/reminders", json={"who": "citizen-1"}, timeout=30
    )
    assert response.status_code == 202, response.text
    message_id = response.json()["task"]

    factory = sessionmaker(database)

    def done() -> bool:
        with unit_of_work(factory) as session:
            status = session.scalar(
                select(OutboxMessage.status).where(OutboxMessage.id == message_id)
            )
        return status == "done"

    server.wait_until(done, "the delayed task is done", WAIT_SECONDS)

    with unit_of_work(factory) as session:
        [entry] = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "later.reminded")
        ).all()
        # Run by a worker process (the master only supervises).
        assert entry.after["pid"] not in {server.pid, os.getpid()}

    output = server.output()
    assert "Using worker: gthread" in output
    assert "warning: SIEUAPP_SECRET_KEY is not set" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "0"], "Invalid value for '--workers'"),
        (["--threads", "0"], "Invalid value for '--threads'"),
        (["--port", "70000"], "Invalid value for '--port'"),
        (["--port", "http"], "Invalid value for '--port'"),
    ],
)
def test_serve_refuses_bad_options(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["serve", *args])
    assert result.exit_code == 2
    assert message in result.stderr
