"""``sieuapp serve``: gunicorn from code; with the inline task backend each worker sweeps the
outbox, so a delayed task (which nothing dispatches at commit) still runs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database(make_platform, synthetic, tmp_path: Path) -> Iterator[Engine]:
    synthetic("later", synthetic.source("later", extra=LATER))
    url = os.environ.get("SIEUAPP_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 's.sqlite3'}"
    platform = make_platform(
        plugins=["later"], entry_points=synthetic.entry_points(), database_url=url
    )
    platform.close()
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def server(
    database: Engine, tmp_path: Path, plugin_dir: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIEUAPP_")}
    env.update(
        SIEUAPP_DATABASE_URL=database.url.render_as_string(hide_password=False),
        SIEUAPP_INSTANCE_PATH=str(tmp_path / "served"),
        SIEUAPP_PLUGINS="later",
        SIEUAPP_TASK_BACKEND="inline",
        PYTHONPATH=os.pathsep.join(filter(None, [str(plugin_dir), os.environ.get("PYTHONPATH")])),
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from sieuapp.core.cli import main; main()",
                "serve",
                "--port",
                str(port),
            ],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"serve exited with {process.returncode}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"serve did not answer within {WAIT_SECONDS}s:\n{log.read_text()}")
            try:
                if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.2)
        yield base, process, log
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


@pytest.mark.slow
def test_each_worker_sweeps_the_outbox_for_delayed_tasks(
    server: tuple[str, subprocess.Popen[bytes], Path], database: Engine
) -> None:
    base, process, log = server
    response = requests.post(f"{base}/m/later/reminders", json={"who": "citizen-1"}, timeout=30)
    assert response.status_code == 202, response.text
    message_id = response.json()["task"]

    factory = sessionmaker(database)
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        with unit_of_work(factory) as session:
            status = session.scalar(
                select(OutboxMessage.status).where(OutboxMessage.id == message_id)
            )
        if status == "done":
            break
        if time.monotonic() > deadline:
            pytest.fail(f"the delayed task is still {status!r}:\n{log.read_text()}")
        time.sleep(0.2)

    with unit_of_work(factory) as session:
        [entry] = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "later.reminded")
        ).all()
        # Run by a worker process (the master only supervises).
        assert entry.after["pid"] not in {process.pid, os.getpid()}

    output = log.read_text()
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
