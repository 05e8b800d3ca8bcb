"""Screenshots of the main screens for docs/screenshots/, taken from a fresh demo.

    uv run python scripts/screenshots.py            # every screen
    uv run python scripts/screenshots.py citizen-   # the screens whose name starts so

Starts ``sieuapp demo`` on a free port in a temporary folder, signs in as the demo accounts
through the app's own sign-in (code + PKCE) and drives Debian's chromium with Playwright
(``SIEUAPP_TEST_CHROMIUM`` or ``chromium`` on PATH). Phone screens are 360 x 740, console
screens 1280 x 800.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
ACCOUNTS = {
    "citizen": "demo-citizen-2025",
    "admin": "demo-admin-2025",
    "ioc": "demo-ioc-2025",
}


@dataclass(frozen=True)
class Shot:
    """One screenshot: ``name``.png of ``path`` as ``user`` (None: signed out)."""

    name: str
    path: str
    user: str | None
    viewport: dict[str, int]
    #: What to wait for before the picture (a CSS selector).
    ready: str
    #: Something to do once the screen is ready (open a form, pick a tab).
    then: Callable[[Any], None] | None = None


def _choose_category(page: Any) -> None:
    page.locator("select[name=category]").select_option("flooding")


def _draw_polygon(page: Any) -> None:
    page.locator("#area_polygon").check()
    page.locator("#polygon").fill(
        "16.470, 107.560\n16.480, 107.585\n16.468, 107.610\n16.455, 107.590"
    )


def _open_resolve(page: Any) -> None:
    resolve = page.locator('#actions [data-action="resolve"]')
    if resolve.count():
        resolve.click()


SHOTS = [
    Shot("citizen-home-signed-out", "/", None, PHONE, "a[data-module]"),
    Shot("citizen-home", "/", "citizen", PHONE, 'a[data-module="taxi"]'),
    Shot("citizen-taxi", "/#/m/taxi", "citizen", PHONE, "iframe.module-frame"),
    Shot(
        "citizen-report-new", "/#/reports/new", "citizen", PHONE, "#report-form", _choose_category
    ),
    Shot("citizen-reports", "/#/reports", "citizen", PHONE, "#my-reports"),
    Shot("citizen-report", "/#/reports/5", "citizen", PHONE, "#timeline"),
    Shot("citizen-inbox", "/#/inbox", "citizen", PHONE, "#inbox"),
    Shot("citizen-payments", "/#/payments", "citizen", PHONE, "#payments"),
    Shot("citizen-account", "/#/account", "citizen", PHONE, "#export-data"),
    Shot("console-modules", "/console#/modules", "admin", DESKTOP, "main#main h1"),
    Shot("console-configure", "/console#/modules/taxi", "admin", DESKTOP, "#config-form"),
    Shot("console-audit", "/console#/audit", "admin", DESKTOP, "main#main h1"),
    Shot("console-reports", "/console#/reports?view=all", "admin", DESKTOP, "main#main h1"),
    Shot("console-report", "/console#/reports/5", "admin", DESKTOP, "#actions", _open_resolve),
    Shot("console-stats", "/console#/stats", "admin", DESKTOP, "main#main svg"),
    Shot("console-alerts", "/console#/alerts", "admin", DESKTOP, "main#main h1"),
    Shot(
        "console-alert-compose",
        "/console#/alerts/new",
        "admin",
        DESKTOP,
        "#area_polygon",
        _draw_polygon,
    ),
    Shot("console-usage", "/console#/usage", "admin", DESKTOP, "main#main svg"),
    Shot("console-phone", "/console#/reports", "admin", PHONE, "main#main h1"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _demo() -> Iterator[str]:
    folder = Path(tempfile.mkdtemp(prefix="sieuapp-shots-"))
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIEUAPP_")}
    log = (folder / "demo.log").open("w")
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from sieuapp.core.cli import main; main()",
            "demo",
            "--port",
            str(port),
            "--data-dir",
            str(folder / "data"),
        ],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urlopen(f"{base}/healthz", timeout=2):
                    break
            except OSError:
                if child.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit((folder / "demo.log").read_text()) from None
                time.sleep(0.5)
        yield base
    finally:
        child.terminate()
        child.wait(30)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def _sign_in(page: Any, base: str, user: str) -> None:
    page.goto(f"{base}/")
    page.locator("header.top .sign-in").click()
    page.wait_for_url("**/auth/login**")
    page.locator("input[name=username]").fill(user)
    page.locator("input[name=password]").fill(ACCOUNTS[user])
    page.locator("form button[type=submit]").click()
    page.locator("header.top .sign-out").wait_for()


def main(prefixes: list[str]) -> None:
    from playwright.sync_api import sync_playwright

    chosen = [s for s in SHOTS if not prefixes or s.name.startswith(tuple(prefixes))]
    chromium = os.environ.get("SIEUAPP_TEST_CHROMIUM") or shutil.which("chromium")
    if not chromium:
        raise SystemExit("needs Debian's chromium (apt-get install chromium)")
    OUT.mkdir(parents=True, exist_ok=True)
    with _demo() as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        # One tab per user and size: the app keeps its tokens per tab (sessionStorage).
        tabs: dict[tuple[str | None, int], Any] = {}
        for shot in chosen:
            key = (shot.user, shot.viewport["width"])
            if key not in tabs:
                context = browser.new_context(
                    viewport=shot.viewport,
                    is_mobile=shot.viewport is PHONE,
                    has_touch=shot.viewport is PHONE,
                    locale="vi-VN",
                )
                tabs[key] = context.new_page()
                if shot.user:
                    _sign_in(tabs[key], base, shot.user)
            page = tabs[key]
            page.goto(f"{base}{shot.path}")
            page.wait_for_load_state("networkidle")
            page.locator(shot.ready).first.wait_for()
            if shot.then:
                shot.then(page)
            page.wait_for_timeout(400)  # fonts and the last frame's layout
            page.screenshot(path=str(OUT / f"{shot.name}.png"))
            print(f"docs/screenshots/{shot.name}.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])
