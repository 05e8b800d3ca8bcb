"""What the core tests share: real processes (a server, a worker) on loopback, the environment
they run in, a database to start from, and ``sieuapp`` run through click.

Imported relatively (``from .support import ...``): the tests run with ``--import-mode=importlib``,
which imports them as ``core.tests.<module>``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import redis
import requests
from click.testing import CliRunner, Result
from sieuapp.core import clock as platform_clock
from sieuapp.core.cli import main
from sieuapp.core.db import make_engine, utcnow
from sieuapp.core.plugins.synthetic import plugin_source
from sieuapp.core.testing import reset_database, test_database_url

#: How often a wait looks again; waits themselves are bounded by each test's own deadline.
POLL_SECONDS = 0.2


# -- sieuapp through click --------------------------------------------------------------------


def invoke(args: Sequence[str], env: Mapping[str, str], code: int = 0) -> Result:
    """``sieuapp args`` in this process; an unexpected exception is raised as itself (with its
    traceback), and the exit code must be ``code``."""
    result = CliRunner().invoke(main, list(args), env=dict(env))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == code, result.output
    return result


# -- time -------------------------------------------------------------------------------------


class Clock:
    """The platform's clock (``sieuapp.core.clock``); a test moves it instead of waiting."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def install_clock(monkeypatch: pytest.MonkeyPatch, start: datetime | None = None) -> Clock:
    """Replace the platform clock for one test, from ``start`` (now by default)."""
    fake = Clock(start or utcnow())
    monkeypatch.setattr(platform_clock, "now", fake)
    return fake


# -- databases --------------------------------------------------------------------------------


def database_url(sqlite_file: Path, label: str = "") -> str:
    """This process's PostgreSQL database (CI; another one for each ``label``), else a SQLite
    file that processes can share (an in-memory database cannot be)."""
    url = test_database_url(label)
    return f"sqlite:///{sqlite_file}" if url == "sqlite://" else url


def empty_database_url(sqlite_file: Path) -> str:
    """:func:`database_url`, emptied: no table, not even the migrations' own."""
    url = database_url(sqlite_file)
    engine = make_engine(url)
    reset_database(engine)
    engine.dispose()
    return url


# -- child processes --------------------------------------------------------------------------


def sieuapp_command(*args: str) -> list[str]:
    """``sieuapp args`` run by this interpreter, whatever ``sieuapp`` on PATH may be."""
    return [sys.executable, "-c", "from sieuapp.core.cli import main; main()", *args]


def child_env(plugin_dir: Path | None = None, **settings: str) -> dict[str, str]:
    """This environment without its ``SIEUAPP_*`` variables, plus ``settings``; with
    ``plugin_dir`` first on PYTHONPATH, so that the child finds the synthetic plugins written
    there through their entry points."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIEUAPP_")}
    env.update(settings)
    if plugin_dir is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(plugin_dir), os.environ.get("PYTHONPATH")])
        )
    return env


def free_port() -> int:
    """A loopback port free at the time of asking."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Child:
    """A process in its own process group (a server's workers, a worker's pool and beat are
    its children), writing stdout and stderr to ``log``."""

    def __init__(
        self, name: str, args: Sequence[str], env: Mapping[str, str], cwd: Path, log: Path
    ) -> None:
        self.name = name
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                list(args),
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def check_alive(self) -> None:
        code = self.process.poll()
        if code is not None:
            pytest.fail(f"{self.name} exited with {code}:\n{self.output()}", pytrace=False)

    def wait_until(self, done: Callable[[], bool], what: str, within: float) -> None:
        """Ask ``done`` until it answers true; fails the test, with the log, if this process
        exits first or ``within`` seconds pass."""
        deadline = time.monotonic() + within
        while not done():
            self.check_alive()
            if time.monotonic() > deadline:
                pytest.fail(
                    f"{what}: not within {within}s; {self.name} log:\n{self.output()}",
                    pytrace=False,
                )
            time.sleep(POLL_SECONDS)

    def exit_code(self, within: float) -> int | None:
        """The code the process exits with by itself within ``within`` seconds; None if it
        still runs."""
        try:
            return self.process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        """The whole group: SIGTERM, then SIGKILL for what does not end."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


@contextmanager
def running(
    name: str, args: Sequence[str], *, env: Mapping[str, str], cwd: Path, log: Path
) -> Iterator[Child]:
    """A :class:`Child` started, and stopped on the way out whatever happened."""
    child = Child(name, args, env, cwd, log)
    try:
        yield child
    finally:
        child.stop()


@contextmanager
def celery_worker(
    home: Path,
    plugin_dir: Path,
    *,
    database: str,
    broker: str,
    plugins: str,
    concurrency: int = 1,
    **settings: str,
) -> Iterator[Child]:
    """``celery worker --beat`` for the platform in ``home`` (made here), finding the
    synthetic ``plugins`` in ``plugin_dir``, with ``settings`` (``SIEUAPP_*``) added to its
    environment; stopped on the way out."""
    home.mkdir()
    env = child_env(
        plugin_dir,
        SIEUAPP_DATABASE_URL=database,
        SIEUAPP_TASK_BACKEND="celery",
        SIEUAPP_BROKER_URL=broker,
        SIEUAPP_PLUGINS=plugins,
        SIEUAPP_INSTANCE_PATH=str(home / "instance"),
        SIEUAPP_SECRET_KEY="worker-test-secret",
        **settings,
    )
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "sieuapp.core.worker",
        "worker",
        # The production pool: tasks run in forked children of the worker.
        "--pool=prefork",
        f"--concurrency={concurrency}",
        "--beat",
        "--schedule",
        str(home / "beat-schedule"),
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--hostname",
        f"{home.name}-{os.getpid()}@%h",
    ]
    with running(
        "the Celery worker", command, env=env, cwd=home, log=home / "worker.log"
    ) as worker:
        yield worker


def empty_broker(redis_url: str) -> None:
    """Drop what an earlier run left queued: its messages name rows that no longer exist."""
    broker = redis.Redis.from_url(redis_url)
    try:
        broker.delete("celery")
    finally:
        broker.close()


class Server(Child):
    """A child that serves HTTP on ``127.0.0.1:port``."""

    def __init__(
        self,
        name: str,
        args: Sequence[str],
        env: Mapping[str, str],
        cwd: Path,
        log: Path,
        port: int,
    ) -> None:
        super().__init__(name, args, env, cwd, log)
        self.port = port
        self.base = f"http://127.0.0.1:{port}"

    def answers_healthz(self) -> bool:
        try:
            return requests.get(f"{self.base}/healthz", timeout=5).status_code == 200
        except requests.RequestException:
            return False  # not listening yet, or no worker booted yet


@contextmanager
def serving(
    name: str,
    args: Sequence[str],
    *,
    port: int,
    env: Mapping[str, str],
    cwd: Path,
    log: Path,
    within: float,
) -> Iterator[Server]:
    """A :class:`Server` started, answering ``/healthz`` (else the test fails with its log
    after ``within`` seconds, or as soon as it exits), and stopped on the way out."""
    server = Server(name, args, env, cwd, log, port)
    try:
        server.wait_until(server.answers_healthz, f"{name} answering /healthz", within)
        yield server
    finally:
        server.stop()


# -- synthetic plugins ------------------------------------------------------------------------

#: ``POST /parcels`` queues the task ``deliver``, which audits ``delivered`` for the parcel with
#: the id of the process and the slug of the tenant it ran in.
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
        return jsonify(task=services.tasks.enqueue("deliver", request.get_json())), 202

    return bp
"""


def parcel_plugin() -> str:
    """The plugin ``parcel`` (see :data:`PARCEL`)."""
    return plugin_source("parcel", extra=PARCEL)
