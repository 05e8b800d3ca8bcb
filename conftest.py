"""Gating of tests that need real services.

``@pytest.mark.postgres`` needs ``SIEUAPP_TEST_DATABASE_URL`` to be a PostgreSQL URL;
``@pytest.mark.redis`` needs ``SIEUAPP_TEST_REDIS_URL``; ``@pytest.mark.browser`` needs a
Chromium (``SIEUAPP_TEST_CHROMIUM``, else ``chromium`` on PATH) and Playwright. Such a test is
skipped when its service is not configured, unless ``SIEUAPP_REQUIRE_SERVICES`` names the service
(``postgres``, ``redis``, ``browser``, a comma-separated list, or ``1`` for all): then it fails,
so that CI cannot pass by skipping. ``scripts/test-services`` starts both servers for a developer.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
from functools import cache
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

SERVICES = ("postgres", "redis", "browser")
DATABASE_ENV = "SIEUAPP_TEST_DATABASE_URL"
REDIS_ENV = "SIEUAPP_TEST_REDIS_URL"
CHROMIUM_ENV = "SIEUAPP_TEST_CHROMIUM"
REQUIRE_ENV = "SIEUAPP_REQUIRE_SERVICES"
HELP = "start them with 'scripts/test-services start' and export what it prints"
BROWSER_HELP = f"install Debian's chromium, or point {CHROMIUM_ENV} at a Chromium"


def required_services() -> frozenset[str]:
    raw = os.environ.get(REQUIRE_ENV, "").strip().lower()
    if raw in {"", "0", "false", "no", "off"}:
        return frozenset()
    if raw in {"1", "true", "yes", "on", "all"}:
        return frozenset(SERVICES)
    names = frozenset(n.strip() for n in raw.split(",") if n.strip())
    unknown = sorted(names.difference(SERVICES))
    if unknown:
        raise pytest.UsageError(
            f"{REQUIRE_ENV}={raw!r}: unknown service(s) {', '.join(unknown)}; "
            f"use 1, or a comma-separated list of {', '.join(SERVICES)}"
        )
    return names


def _postgres_url() -> tuple[str | None, str]:
    """The PostgreSQL URL to test against, or None and why there is none."""
    raw = os.environ.get(DATABASE_ENV, "").strip()
    if not raw:
        return None, f"needs PostgreSQL: {DATABASE_ENV} is not set"
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        return None, f"needs PostgreSQL: {DATABASE_ENV} is not a database URL ({exc})"
    if url.get_backend_name() != "postgresql":
        return None, f"needs PostgreSQL: {DATABASE_ENV} is a {url.get_backend_name()} URL"
    return raw, ""


def _redis_url() -> tuple[str | None, str]:
    raw = os.environ.get(REDIS_ENV, "").strip()
    if not raw:
        return None, f"needs Redis: {REDIS_ENV} is not set"
    if urlsplit(raw).scheme not in {"redis", "rediss"}:
        return None, f"needs Redis: {REDIS_ENV}={raw!r} is not a redis:// URL"
    return raw, ""


def _chromium() -> tuple[str | None, str]:
    """The Chromium executable the browser tests drive (Debian's by default), or None and why."""
    raw = os.environ.get(CHROMIUM_ENV, "").strip()
    path = raw or shutil.which("chromium")
    if not path:
        return None, f"needs a browser: no chromium on PATH and {CHROMIUM_ENV} is not set"
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        return None, f"needs a browser: {path!r} is not an executable file"
    if importlib.util.find_spec("playwright") is None:
        return None, "needs a browser: the playwright package is not installed"
    return path, ""


@cache
def _unreachable(service: str, url: str) -> str | None:
    """Why a configured server does not answer, asked once per run; None when it does."""
    parts = make_url(url) if service == "postgres" else urlsplit(url)
    host = parts.host if service == "postgres" else parts.hostname
    port = parts.port or (5432 if service == "postgres" else 6379)
    if host is None or host.startswith("/"):
        return None  # a Unix socket: let the driver say what is wrong
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError as exc:
        return f"{service} at {host}:{port} does not answer ({exc}); {HELP}"
    return None


def service_url(service: str) -> str:
    """The URL of ``service`` for the running test; skips it or fails it when there is none."""
    finders = {"postgres": _postgres_url, "redis": _redis_url, "browser": _chromium}
    url, reason = finders[service]()
    if url is None:
        how = BROWSER_HELP if service == "browser" else HELP
        if service in required_services():
            pytest.fail(f"{reason}, and {REQUIRE_ENV} requires {service}; {how}", pytrace=False)
        pytest.skip(f"{reason} ({how})")
    if service == "browser":
        return url  # a local executable: nothing to reach
    problem = _unreachable(service, url)
    if problem is not None:
        # Configured but down is a broken setup, not an absent service: never skipped.
        pytest.fail(problem, pytrace=False)
    return url


def pytest_configure(config: pytest.Config) -> None:
    required_services()  # a misspelt service name stops the run before any test


def pytest_report_header(config: pytest.Config) -> list[str]:
    def shown(url: str | None, reason: str) -> str:
        if url is None:
            return f"not configured ({reason.split(': ', 1)[-1]})"
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.hostname}:{parts.port or ''}{parts.path}"

    required = ", ".join(sorted(required_services())) or "none"
    chromium, why = _chromium()
    return [
        f"sieuapp services: postgres {shown(*_postgres_url())}; redis {shown(*_redis_url())}; "
        f"browser {chromium or 'not configured (' + why.split(': ', 1)[-1] + ')'}; "
        f"required: {required}"
    ]


def pytest_runtest_setup(item: pytest.Item) -> None:
    for service in SERVICES:
        if item.get_closest_marker(service) is not None:
            service_url(service)


@pytest.fixture
def postgres_url() -> str:
    """The PostgreSQL database of this test run (``SIEUAPP_TEST_DATABASE_URL``)."""
    return service_url("postgres")


@pytest.fixture
def redis_url() -> str:
    """The Redis server of this test run (``SIEUAPP_TEST_REDIS_URL``)."""
    return service_url("redis")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The Chromium executable of this test run (``SIEUAPP_TEST_CHROMIUM`` or ``chromium``)."""
    return service_url("browser")
