"""Module on/off state is shared through the database, never through process memory: with two
server worker processes running, disabling a plugin for ``hue`` changes both workers' answers on
the next request, and enabling it again brings both back."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from http.client import HTTPConnection, HTTPException
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner
from sieuapp.core import create_app
from sieuapp.core.cli import main
from sieuapp.core.plugins.synthetic import plugin_source
from sieuapp.core.testing import BASE_DOMAIN, Platform
from sieuapp.sdk import Role

from .support import Server, child_env, database_url, free_port, serving, sieuapp_command

SECRET = "workers-test-secret"
#: Bounds on every wait, so that a broken server fails the test instead of hanging it.
START_DEADLINE = 120.0
PHASE_DEADLINE = 90.0
PHASE_ATTEMPTS = 400


def pid_plugin(plugin_id: str) -> str:
    """A public plugin whose route answers with the id of the process serving it."""
    return plugin_source(
        plugin_id,
        extra=f"""
        import os

        @hookimpl
        def routes(services):
            bp = Blueprint({plugin_id!r}, __name__)

            @bp.get("/pid")
            def pid():
                return jsonify(pid=os.getpid(), plugin={plugin_id!r})

            return bp
        """,
    )


@pytest.fixture
def plugin_site(synthetic) -> list[EntryPoint]:
    """``probe`` (switched on and off) and ``witness`` (always on) as installed distributions
    in ``plugin_dir``; returns their entry points."""
    for plugin_id in ("probe", "witness"):
        synthetic(plugin_id, pid_plugin(plugin_id))
    return synthetic.entry_points()


@pytest.fixture
def prepared(tmp_path: Path, plugin_site: list[EntryPoint]) -> dict[str, Any]:
    """A database with tenant hue, its users, both plugins enabled; and an admin's token."""
    eps = plugin_site
    url = database_url(tmp_path / "shared.sqlite3")
    platform = Platform.create(
        tmp_path / "setup", plugins=["probe", "witness"], entry_points=eps, database_url=url
    )
    try:
        token = platform.token(Role.PROVINCE_ADMIN)
    finally:
        platform.close()
    return {"url": url, "token": token}


# -- two real gunicorn workers ------------------------------------------------------------------


def _serve_command(port: int) -> list[str]:
    return sieuapp_command("serve", "--port", str(port), "--workers", "2", "--threads", "2")


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
    plugin_dir: Path,
    plugin_site: list[EntryPoint],
    prepared: dict[str, Any],
) -> Iterator[Server]:
    """Two gunicorn workers of two threads each, started one way or the other, answering."""
    port = free_port()
    env = child_env(
        plugin_dir,
        SIEUAPP_DATABASE_URL=prepared["url"],
        SIEUAPP_INSTANCE_PATH=str(tmp_path / "server"),
        SIEUAPP_PLUGINS="probe,witness",
        SIEUAPP_SECRET_KEY=SECRET,
        SIEUAPP_DEFAULT_TENANT="hue",
    )
    with serving(
        "server",
        LAUNCHERS[request.param](port),
        port=port,
        env=env,
        cwd=tmp_path,
        log=tmp_path / "server.log",
        within=START_DEADLINE,
    ) as running:
        yield running


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
    tmp_path: Path, plugin_site: list[EntryPoint], prepared: dict[str, Any]
) -> None:
    eps = plugin_site
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
