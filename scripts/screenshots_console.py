"""Screenshots of the province console's screens at 1280 x 800 into docs/screenshots/.

Start a demo first (its accounts sign in here), then:

    uv run python scripts/screenshots_console.py --base http://127.0.0.1:8000

Uses Debian's chromium (SIEUAPP_TEST_CHROMIUM names another) through Playwright. The alert
composer is shot with a polygon typed in, the report screen with the resolve form open.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
SCREENS = [
    ("modules", "#/modules"),
    ("configure", "#/modules/taxi"),
    ("audit", "#/audit"),
    ("reports", "#/reports?view=all"),
    ("report", "#/reports/5"),
    ("stats", "#/stats"),
    ("alerts", "#/alerts"),
    ("alert-compose", "#/alerts/new"),
    ("usage", "#/usage"),
]
POLYGON = "16.470, 107.560\n16.480, 107.585\n16.468, 107.610\n16.455, 107.590"


def sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/console#/modules")
    page.locator("header.top .sign-in").click()
    page.wait_for_url("**/auth/login**")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").click()
    page.locator("header.top .sign-out").wait_for()


def shoot(page: Page, base: str, name: str, route: str, out: Path) -> None:
    page.goto(f"{base}/console{route}")
    page.locator("main#main h1").first.wait_for()
    page.wait_for_load_state("networkidle")
    if name == "alert-compose":
        page.locator("#area_polygon").check()
        page.locator("#polygon").fill(POLYGON)
    if name == "report" and page.locator('#actions [data-action="resolve"]').count():
        page.locator('#actions [data-action="resolve"]').click()
    page.screenshot(path=str(out / f"console-{name}.png"), full_page=False)
    print(f"console-{name}.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="demo-admin-2025")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    chromium = os.environ.get("SIEUAPP_TEST_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
        page = context.new_page()
        sign_in(page, args.base, args.user, args.password)
        for name, route in SCREENS:
            shoot(page, args.base, name, route, args.out)
        # The same console on a phone, its navigation folded.
        phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
        small = phone.new_page()
        sign_in(small, args.base, args.user, args.password)
        small.goto(f"{args.base}/console#/reports")
        small.locator("main#main h1").wait_for()
        small.screenshot(path=str(args.out / "console-phone.png"))
        print("console-phone.png")
        browser.close()


if __name__ == "__main__":
    main()
