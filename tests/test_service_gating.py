"""The root conftest's gate for tests that need PostgreSQL or Redis, run in a separate pytest on
a small suite: skipped when the service is not configured, failed when it is required
(``SIEUAPP_REQUIRE_SERVICES``) or configured but not answering."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT_CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"

SUITE = """
import pytest


@pytest.mark.postgres
def test_needs_postgres():
    pass


@pytest.mark.redis
def test_needs_redis():
    pass


def test_asks_for_redis_url(redis_url):
    assert redis_url.startswith("redis://")


def test_asks_for_postgres_url(postgres_url):
    assert postgres_url.startswith("postgresql")


def test_needs_nothing():
    pass
"""


@pytest.fixture
def listening_port() -> Iterator[int]:
    """A port something answers on, standing in for a server that is up."""
    server = socket.create_server(("127.0.0.1", 0))
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


@pytest.fixture
def closed_port() -> int:
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def run(tmp_path: Path, **env: str) -> tuple[int, dict[str, tuple[str, str]], str]:
    """Exit code, ``{test: (outcome, message)}`` and output of the suite under ``env``."""
    (tmp_path / "conftest.py").write_text(ROOT_CONFTEST.read_text())
    (tmp_path / "test_suite.py").write_text(SUITE)
    (tmp_path / "pytest.ini").write_text(
        textwrap.dedent(
            """
            [pytest]
            addopts = --strict-markers -p no:cacheprovider
            markers =
                postgres: needs PostgreSQL
                redis: needs Redis
            """
        )
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIEUAPP_")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--junitxml=report.xml", "-rA"],
        cwd=tmp_path,
        env={**clean, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    outcomes: dict[str, tuple[str, str]] = {}
    report = tmp_path / "report.xml"
    if report.exists():
        for case in ET.parse(report).iter("testcase"):
            outcome, message = "passed", ""
            for child in case:
                if child.tag in {"skipped", "failure", "error"}:
                    outcome, message = child.tag, child.get("message", "")
            outcomes[case.get("name", "")] = (outcome, message)
    return result.returncode, outcomes, result.stdout + result.stderr


def test_without_services_their_tests_are_skipped_with_the_reason(tmp_path: Path) -> None:
    code, outcomes, output = run(tmp_path)
    assert code == 0, output
    assert outcomes["test_needs_nothing"][0] == "passed"
    for name in ("test_needs_postgres", "test_asks_for_postgres_url"):
        outcome, message = outcomes[name]
        assert outcome == "skipped"
        assert "SIEUAPP_TEST_DATABASE_URL is not set" in message
    for name in ("test_needs_redis", "test_asks_for_redis_url"):
        outcome, message = outcomes[name]
        assert outcome == "skipped"
        assert "SIEUAPP_TEST_REDIS_URL is not set" in message


def test_required_services_that_are_missing_fail(tmp_path: Path) -> None:
    code, outcomes, output = run(tmp_path, SIEUAPP_REQUIRE_SERVICES="1")
    assert code == 1, output
    assert outcomes["test_needs_nothing"][0] == "passed"
    for name in ("test_needs_postgres", "test_asks_for_postgres_url"):
        outcome, message = outcomes[name]
        assert outcome in {"failure", "error"}, outcomes[name]
        assert "SIEUAPP_TEST_DATABASE_URL is not set" in message
        assert "SIEUAPP_REQUIRE_SERVICES requires postgres" in message
    for name in ("test_needs_redis", "test_asks_for_redis_url"):
        assert outcomes[name][0] in {"failure", "error"}, outcomes[name]


def test_sqlite_run_requiring_only_redis(tmp_path: Path, listening_port: int) -> None:
    code, outcomes, output = run(
        tmp_path,
        SIEUAPP_REQUIRE_SERVICES="redis",
        SIEUAPP_TEST_DATABASE_URL="sqlite://",
        SIEUAPP_TEST_REDIS_URL=f"redis://127.0.0.1:{listening_port}/0",
    )
    assert code == 0, output
    assert outcomes["test_needs_postgres"] == (
        "skipped",
        "needs PostgreSQL: SIEUAPP_TEST_DATABASE_URL is a sqlite URL "
        "(start them with 'scripts/test-services start' and export what it prints)",
    )
    assert outcomes["test_needs_redis"][0] == "passed"
    assert outcomes["test_asks_for_redis_url"][0] == "passed"
    assert f"redis redis://127.0.0.1:{listening_port}/0" in output


def test_configured_services_are_given_to_tests(tmp_path: Path, listening_port: int) -> None:
    code, outcomes, output = run(
        tmp_path,
        SIEUAPP_REQUIRE_SERVICES="postgres,redis",
        SIEUAPP_TEST_DATABASE_URL=f"postgresql+psycopg://u:secret@127.0.0.1:{listening_port}/db",
        SIEUAPP_TEST_REDIS_URL=f"redis://127.0.0.1:{listening_port}/0",
    )
    assert code == 0, output
    assert {outcome for outcome, _ in outcomes.values()} == {"passed"}
    assert "required: postgres, redis" in output
    assert "secret" not in output  # the header never shows a password


def test_configured_but_silent_service_fails_even_when_optional(
    tmp_path: Path, closed_port: int
) -> None:
    code, outcomes, output = run(
        tmp_path, SIEUAPP_TEST_REDIS_URL=f"redis://127.0.0.1:{closed_port}/0"
    )
    assert code == 1, output
    outcome, message = outcomes["test_needs_redis"]
    assert outcome in {"failure", "error"}
    assert f"redis at 127.0.0.1:{closed_port} does not answer" in message


def test_unknown_required_service_stops_the_run(tmp_path: Path) -> None:
    code, outcomes, output = run(tmp_path, SIEUAPP_REQUIRE_SERVICES="postgres,mongo")
    assert code == 4, output
    assert outcomes == {}
    assert "unknown service(s) mongo" in output
