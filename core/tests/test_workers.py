"""Module on/off state is shared through the database, never through process memory: with two
server worker processes running, disabling a plugin for ``hue`` changes both workers' answers on
the next request, and enabling it again brings both back."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from http.client import HTTPConnection, HTTPException
from importlib.metadata import EntryPoint, distributions
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner
from sieuapp.core import create_app
from sieuapp.core.cli import main
from sieuapp.core.plugins._loader import ENTRY_POINT_GROUP
from sieuapp.core.plugins.synthetic import write_distribution
from sieuapp.core.testing import BASE_DOMAIN, Platform
from sieuapp.sdk import Role

SECRET = "workers-test-secret"
#: Bounds on every wait, so that a broken server fails the test instead of hanging it.
START_DEADLINE = 120.0
PHASE_DEADLINE = 90.0
PHASE_ATTEMPTS = 400


def pid_plugin(plugin_id: str) -> str:
    """A public plugin whose route answers with the id of the process serving it."""
    return textwrap.dedent(
        f"""
        import os

        from flask import Blueprint, jsonify
        from sieuapp.sdk import FrontendEntry, Manifest, hookimpl, text

        @hookimpl
        def manifest():
            return Manifest(
                id={plugin_id!r},
                name=text("Tiến trình {plugin_id}", "Process {plugin_id}"),
                description=text("Số tiến trình phục vụ", "The id of the serving process"),
                sdk_api=">=1.0,<2",
                frontend=FrontendEntry(route="/pid", icon="app", category="other"),
                roles=("anonymous",),
            )

        @hookimpl
        def routes(services):
            bp = Blueprint({plugin_id!r}, __name__)

            @bp.get("/pid")
            def pid():
                return jsonify(pid=os.getpid(), plugin={plugin_id!r})

            return bp
        """
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(tmp_path: Path) -> str:
    return os.environ.get("SIEUAPP_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'shared.sqlite3'}"


@pytest.fixture
def plugin_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[EntryPoint]]:
    """``probe`` (switched on and off) and ``witness`` (always on) as installed distributions."""
    site = tmp_path / "site"
    for plugin_id in ("probe", "witness"):
        write_distribution(site, plugin_id, pid_plugin(plugin_id))
    monkeypatch.syspath_prepend(str(site))
    eps = [
        ep
        for dist in distributions(path=[str(site)])
        for ep in dist.entry_points
        if ep.group == ENTRY_POINT_GROUP
    ]
    return site, sorted(eps, key=lambda ep: ep.name)


@pytest.fixture
def prepared(tmp_path: Path, plugin_site: tuple[Path, list[EntryPoint]]) -> dict[str, Any]:
    """A database with tenant hue, its users, both plugins enabled; and an admin's token."""
    _, eps = plugin_site
    url = database_url(tmp_path)
    platform = Platform.create(
        tmp_path / "setup", plugins=["probe", "witness"], entry_points=eps, database_url=url
    )
    try:
        token = platform.token(Role.PROVINCE_ADMIN)
    finally:
        platform.close()
    return {"url": url, "token": token}


# -- two real gunicorn workers ------------------------------------------------------------------


class Server:
    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process = process
        self.base = f"http://127.0.0.1:{port}"
        self.port = port
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_DEADLINE
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server exited with {self.process.returncode}:\n{self.output()}")
            try:
                if requests.get(f"{self.base}/healthz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass  # not listening yet, or no worker booted yet
            time.sleep(0.2)
        pytest.fail(f"server did not answer /healthz within {START_DEADLINE}s:\n{self.output()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)


def _serve_command(port: int) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from sieuapp.core.cli import main; main()",
        "serve",
        "--port",
        str(port),
        "--workers",
        "2",
        "--threads",
        "2",
    ]


def _gunicorn_command(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--worker-class",
        "gthread",
        "--workers",
        "2",
        "--threads",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "--no-control-socket",
        "sieuapp.core.wsgi:app",
    ]


LAUNCHERS: dict[str, Callable[[int], list[str]]] = {
    "sieuapp-serve": _serve_command,
    "gunicorn-wsgi": _gunicorn_command,
}


@pytest.fixture(params=sorted(LAUNCHERS))
def server(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    plugin_site: tuple[Path, list[EntryPoint]],
    prepared: dict[str, Any],
) -> Iterator[Server]:
    site, _ = plugin_site
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIEUAPP_")}
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])),
        SIEUAPP_DATABASE_URL=prepared["url"],
        SIEUAPP_INSTANCE_PATH=str(tmp_path / "server"),
        SIEUAPP_PLUGINS="probe,witness",
        SIEUAPP_SECRET_KEY=SECRET,
        SIEUAPP_DEFAULT_TENANT="hue",
    )
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            LAUNCHERS[request.param](port),
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = Server(process, port, log)
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


def _get(server: Server, path: str) -> requests.Response:
    return requests.get(f"{server.base}{path}", headers={"Connection": "close"}, timeout=10)


def _on_one_connection(server: Server, paths: list[str]) -> list[tuple[int, Any]] | None:
    """GET each path in turn on one kept-alive connection, so one worker answers them all;
    None when the server closed the connection between them (then try again)."""
    connection = HTTPConnection("127.0.0.1", server.port, timeout=10)
    answers = []
    try:
        for path in paths:
            connection.request("GET", path)
            response = connection.getresponse()
            answers.append((response.status, json.loads(response.read())))
    except (HTTPException, ConnectionError):
        return None
    finally:
        connection.close()
    return answers


def _admin(server: Server, token: str, action: str) -> dict[str, Any]:
    response = requests.post(
        f"{server.base}/api/v1/admin/plugins/probe/{action}",
        headers={"Authorization": f"Bearer {token}", "Connection": "close"},
        timeout=30,
    )
    assert response.status_code == 200, (response.text, server.output())
    return response.json()


def _each_worker(server: Server, check: Callable[[], int | None]) -> set[int]:
    """Run ``check`` (which asserts, and returns the pid that answered or None) until two
    distinct worker processes have answered; bounded in attempts and time."""
    seen: set[int] = set()
    deadline = time.monotonic() + PHASE_DEADLINE
    attempts = 0
    while len(seen) < 2:
        attempts += 1
        if attempts > PHASE_ATTEMPTS or time.monotonic() > deadline:
            pytest.fail(f"only workers {seen} answered in {attempts} attempts:\n{server.output()}")
        pid = check()
        if pid is not None:
            seen.add(pid)
    return seen


@pytest.mark.slow
def test_disabling_a_plugin_changes_both_workers_answers(
    server: Server, prepared: dict[str, Any]
) -> None:
    def enabled_by_close() -> int:
        response = _get(server, "/m/probe/pid")
        assert response.status_code == 200, response.text
        assert response.json()["plugin"] == "probe"
        return response.json()["pid"]

    workers = _each_worker(server, enabled_by_close)
    assert server.process.pid not in workers, "the master must not serve requests"

    after = _admin(server, prepared["token"], "disable")
    assert after["state"]["enabled"] is False

    def disabled_on_worker() -> int | None:
        answers = _on_one_connection(server, ["/m/witness/pid", "/m/probe/pid", "/api/v1/modules"])
        if answers is None:
            return None
        (w_status, witness), (p_status, probe), (m_status, listing) = answers
        assert w_status == 200, witness
        assert p_status == 404, f"worker {witness['pid']} still serves probe: {probe}"
        assert probe["code"] == "not_found" and set(probe) == {"code", "message", "errors"}
        assert m_status == 200
        assert [m["id"] for m in listing["modules"]] == ["witness"]
        return witness["pid"]

    assert _each_worker(server, disabled_on_worker) == workers
    # Requests spread over new connections: every one of them is refused.
    for _ in range(20):
        assert _get(server, "/m/probe/pid").status_code == 404

    after = _admin(server, prepared["token"], "enable")
    assert after["state"]["enabled"] is True

    def enabled_on_worker() -> int | None:
        answers = _on_one_connection(server, ["/m/witness/pid", "/m/probe/pid"])
        if answers is None:
            return None
        (w_status, witness), (p_status, probe) = answers
        assert w_status == 200, witness
        assert p_status == 200, f"worker {witness['pid']} still refuses probe: {probe}"
        assert probe["pid"] == witness["pid"]
        return probe["pid"]

    assert _each_worker(server, enabled_on_worker) == workers


# -- the same, deterministic: two app instances on one database ---------------------------------


@pytest.mark.slow
def test_two_apps_on_one_database_follow_each_others_changes(
    tmp_path: Path, plugin_site: tuple[Path, list[EntryPoint]], prepared: dict[str, Any]
) -> None:
    _, eps = plugin_site
    apps = [
        create_app(
            instance_path=tmp_path / f"app{i}",
            entry_points=eps,
            database_url=prepared["url"],
            base_domain=BASE_DOMAIN,
            default_tenant="hue",
            secret_key=SECRET,
        )
        for i in range(2)
    ]
    try:
        clients = []
        for app in apps:
            client = app.test_client()
            client.environ_base["HTTP_HOST"] = f"hue.{BASE_DOMAIN}"
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {prepared['token']}"
            clients.append(client)

        def answers() -> list[tuple[int, list[str]]]:
            return [
                (
                    c.get("/m/probe/pid").status_code,
                    [m["id"] for m in c.get("/api/v1/modules").json["modules"]],
                )
                for c in clients
            ]

        # Both apps have read (and cached) the states before the change.
        assert answers() == [(200, ["probe", "witness"])] * 2

        assert clients[0].post("/api/v1/admin/plugins/probe/disable").status_code == 200
        assert answers() == [(404, ["witness"])] * 2

        assert clients[1].post("/api/v1/admin/plugins/probe/enable").status_code == 200
        assert answers() == [(200, ["probe", "witness"])] * 2

        # The operator's command line is a third process as far as the apps can tell.
        env = {
            "SIEUAPP_DATABASE_URL": prepared["url"],
            "SIEUAPP_INSTANCE_PATH": str(tmp_path / "cli"),
            "SIEUAPP_PLUGINS": "probe,witness",
        }
        command = ["plugins", "disable", "probe", "--tenant", "hue"]
        result = CliRunner().invoke(main, command, env=env)
        assert result.exit_code == 0, result.output
        assert answers() == [(404, ["witness"])] * 2
    finally:
        for app in apps:
            runtime = app.extensions["sieuapp"]
            runtime.task_backend.shutdown()
            runtime.engine.dispose()
