"""Browser tests: Playwright drives a real Chromium (Debian's by default) against ``sieuapp
serve`` (gunicorn) on loopback, at a phone's viewport. Marked ``browser``: skipped without a
Chromium unless ``SIEUAPP_REQUIRE_SERVICES`` requires it (root conftest): every module here
sets ``pytestmark = BROWSER``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sieuapp.core.testing import Platform

from ..pages_helpers import with_passwords
from ..support import Server, child_env, database_url, free_port, serving, sieuapp_command

#: A phone: 360 CSS pixels wide, the narrowest the pages are made for.
PHONE = {"width": 360, "height": 740}
WAIT_SECONDS = 90.0
BROWSER = [pytest.mark.browser, pytest.mark.slow]
SECRET_KEY = "browser-test-secret"


@pytest.fixture(scope="session")
def chromium(chromium_path: str) -> Iterator[Any]:
    """One Chromium for the run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh browser profile (no cookies) of a Vietnamese phone, 360 px wide."""
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN")
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


@dataclass
class Site:
    """The served platform, and its database for preparing and checking."""

    server: Server
    platform: Platform
    base: str = field(init=False)

    def __post_init__(self) -> None:
        self.base = self.server.base

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


@pytest.fixture
def site_plugins() -> list[str]:
    """The plugins the served platform has installed and enabled (a test may override it)."""
    return []


@pytest.fixture
def site(
    make_platform, synthetic, plugin_dir: Path, tmp_path: Path, site_plugins
) -> Iterator[Site]:
    """``sieuapp serve`` on a database seeded by :class:`Platform` (users with passwords)."""
    for plugin_id in site_plugins:
        synthetic(plugin_id)
    url = database_url(tmp_path / "browser.sqlite3")
    platform = with_passwords(
        make_platform(
            plugins=site_plugins,
            entry_points=synthetic.entry_points(),
            database_url=url,
            base_domain="",
            secret_key=SECRET_KEY,
        )
    )
    port = free_port()
    env = child_env(
        plugin_dir,
        SIEUAPP_DATABASE_URL=url,
        SIEUAPP_INSTANCE_PATH=str(tmp_path / "served"),
        SIEUAPP_SECRET_KEY=SECRET_KEY,
        SIEUAPP_DEFAULT_TENANT="hue",
        SIEUAPP_PLUGINS=",".join(site_plugins),
        SIEUAPP_TASK_BACKEND="inline",
    )
    command = sieuapp_command("serve", "--port", str(port), "--workers", "2")
    log = tmp_path / "serve.log"
    with serving(
        "serve", command, port=port, env=env, cwd=tmp_path, log=log, within=WAIT_SECONDS
    ) as server:
        yield Site(server, platform)


class Callback:
    """A relying party's redirect endpoint on loopback: it keeps the query of each request
    to ``/callback``."""

    def __init__(self) -> None:
        received: list[dict[str, list[str]]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                url = urlsplit(self.path)
                if url.path == "/callback":  # not the browser's /favicon.ico
                    received.append(parse_qs(url.query))
                body = b"<!doctype html><title>RP</title><h1>Relying party</h1>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://localhost:{self.server.server_address[1]}/callback"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Callback:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def callback() -> Iterator[Callback]:
    with Callback() as running:
        yield running


# -- the demo, served: the real plugins with the README's demo data --------------------------

#: The demo migrates, seeds a province and hashes eight passwords before it answers.
DEMO_START_SECONDS = 180.0


@dataclass
class Demo:
    """``sieuapp demo`` on loopback (SQLite, tasks in-process), as the README starts it."""

    server: Server

    def url(self, path: str) -> str:
        return f"{self.server.base}{path}"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """One demo per test module: its tests share the demo's data, in the order written."""
    folder = tmp_path_factory.mktemp("demo")
    port = free_port()
    command = sieuapp_command("demo", "--port", str(port), "--data-dir", str(folder / "data"))
    log = folder / "demo.log"
    with serving(
        "demo", command, port=port, env=child_env(), cwd=folder, log=log, within=DEMO_START_SECONDS
    ) as server:
        yield Demo(server)


def sign_in(page: Any, username: str, password: str) -> None:
    """Through the shell's "Đăng nhập" button: the provider's sign-in page, then back to the app
    with a code that the app trades for tokens (code + PKCE)."""
    page.locator("header.top .sign-in").click()
    page.wait_for_url("**/auth/login**")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").click()
    page.locator("header.top .sign-out").wait_for()
