"""The province console at ``/console`` in a real Chromium at 1280 x 800, against the served demo
(the real plugins, the README's accounts and demo reports): an admin switches taxi off and the
citizen's home loses its tile; the IOC resolves a citizen's report and the citizen rates it; the
statistics charts draw the API's numbers; an alert is composed over a polygon, published, updated
and cancelled. Staff sign in through the shell's own button (OIDC
code + PKCE), as people do."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from .conftest import BROWSER, Demo, sign_in

pytestmark = BROWSER

DESKTOP = {"width": 1280, "height": 800}
ADMIN = ("admin", "demo-admin-2025")
IOC = ("ioc", "demo-ioc-2025")
CITIZEN = ("citizen", "demo-citizen-2025")


@pytest.fixture
def desk(chromium: Any) -> Iterator[Any]:
    """A desktop browser profile of its own (the console is mostly used on a desktop)."""
    context = chromium.new_context(viewport=DESKTOP, locale="vi-VN")
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


def api(demo: Demo, method: str, path: str, user: tuple[str, str], **kwargs: Any) -> Any:
    login = requests.post(
        demo.url("/api/v1/auth/login"),
        json={"username": user[0], "password": user[1]},
        timeout=30,
    )
    login.raise_for_status()
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    answer = requests.request(method, demo.url(path), headers=headers, timeout=30, **kwargs)
    answer.raise_for_status()
    return answer.json()


def open_console(page: Any, demo: Demo, user: tuple[str, str], screen: str) -> None:
    """Sign in with the top bar's button and open the console's ``#/screen``."""
    page.goto(demo.url(f"/console#/{screen}"))
    page.locator("header.top .sign-in").wait_for()
    sign_in(page, *user)
    # The provider's one return address serves the citizen app, which sends a sign-in
    # started in the console back to it.
    page.wait_for_url(f"**/console#/{screen}")
    page.locator("nav.console-nav").wait_for()


def test_an_admin_switches_taxi_off_and_the_citizen_home_loses_its_tile(
    demo: Demo, desk, page
) -> None:
    page.goto(demo.url("/"))
    sign_in(page, *CITIZEN)
    page.locator('a[data-module="taxi"]').wait_for()

    open_console(desk, demo, ADMIN, "modules")
    taxi = desk.locator('#modules-table tr[data-module="taxi"]')
    assert taxi.get_attribute("data-state") == "enabled"

    # The form is built from taxi's schema: a list of firms one a line, whole numbers.
    taxi.locator('[data-action="configure"]').click()
    form = desk.locator("#config-form")
    firms = form.locator('textarea[name="firms"]')
    assert firms.input_value().splitlines() == ["mai-linh-hue", "thanh-cong-hue"]
    timeout = form.locator('input[name="offer_timeout_seconds"]')
    assert timeout.get_attribute("type") == "number"
    assert timeout.get_attribute("step") == "1"
    timeout.fill("999")  # the plugin takes 5 to 120: its 422 shows under the field
    form.locator("button[type=submit]").click()
    form.locator("#config-form-offer_timeout_seconds-error").wait_for()
    assert timeout.get_attribute("aria-invalid") == "true"
    settings = api(demo, "GET", "/api/v1/admin/plugins/taxi", ADMIN)["state"]["config"]["values"]
    assert settings["offer_timeout_seconds"] != 999

    # Mail's password is a secret: a password input that shows nothing of the value.
    desk.goto(demo.url("/console#/modules/mail"))
    secret = desk.locator('#config-form input[name="password"]')
    assert secret.get_attribute("type") == "password"
    assert secret.input_value() == ""

    desk.goto(demo.url("/console#/modules"))
    taxi.locator('[data-action="disable"]').click()
    desk.locator("dialog.confirm #confirm-yes").click()
    desk.locator('#modules-table tr[data-module="taxi"][data-state="disabled"]').wait_for()
    assert desk.get_by_role("status").filter(has_text="Đã tắt").count() == 1

    page.reload()
    page.locator('a[data-module="hotlines"]').wait_for()
    assert page.locator('a[data-module="taxi"]').count() == 0

    # Back on, for the tests after this one in the same demo.
    desk.locator('#modules-table tr[data-module="taxi"] [data-action="enable"]').click()
    desk.locator('#modules-table tr[data-module="taxi"][data-state="enabled"]').wait_for()


def test_the_ioc_resolves_a_report_and_the_citizen_rates_it(demo: Demo, desk, page) -> None:
    text = "Cống thoát nước bị tắc trước chợ Đông Ba, nước tràn lên vỉa hè"
    created = api(
        demo,
        "POST",
        "/api/v1/reports",
        CITIZEN,
        json={
            "category": "flooding",
            "description": text,
            "channel": "app",
            "attributes": {"depth_cm": 15},
            "lat": 16.4722,
            "lon": 107.5880,
            "address": "Chợ Đông Ba, Huế",
        },
    )
    number = created["id"]

    open_console(desk, demo, IOC, "reports")
    # Found by the queue's search without accents.
    desk.goto(demo.url("/console#/reports?view=all&q=cong+thoat+nuoc+dong+ba"))
    desk.locator(f'#queue-table a[data-report="{number}"]').click()
    report = desk.locator("#report")
    report.wait_for()
    assert text in report.inner_text()

    def step(action: str, **fields: str) -> None:
        before = desk.locator("#report").get_attribute("data-status")
        desk.locator(f'#actions button[data-action="{action}"]').click()
        form = desk.locator(f'#action-form[data-action="{action}"]')
        for name, value in fields.items():
            element = form.locator(f'[name="{name}"]')
            if element.evaluate("e => e.tagName") == "SELECT":
                element.select_option(value)
            else:
                element.fill(value)
        form.locator("#action-submit").click()
        desk.locator(f'#report:not([data-status="{before}"])').wait_for()

    if report.get_attribute("data-status") == "submitted":
        step("moderate")
    if report.get_attribute("data-status") == "moderated":
        step("assign", organization="so-xay-dung")
    # Resolving without the answer: the API's 422 names the note, shown under it.
    desk.locator('#actions button[data-action="resolve"]').click()
    form = desk.locator('#action-form[data-action="resolve"]')
    form.locator("#action-submit").click()
    form.locator(".field-error").wait_for()
    assert form.locator('textarea[name="note"][aria-invalid="true"]').count() == 1
    form.locator('textarea[name="note"]').fill("Đã nạo vét cống, nước đã rút.")
    form.locator("#action-submit").click()
    desk.locator('#report[data-status="resolved"]').wait_for()
    assert "Đã nạo vét cống" in desk.locator("#history").inner_text()
    # A resolved report offers the IOC only what lifecycle.py allows from there.
    offered = desk.locator("#actions button").evaluate_all("bs => bs.map(b => b.dataset.action)")
    assert set(offered) == {"close", "comment"}

    page.goto(demo.url(f"/#/reports/{number}"))
    sign_in(page, *CITIZEN)
    page.goto(demo.url(f"/#/reports/{number}"))
    rate = page.locator("#rate-form")
    rate.locator('input[value="satisfied"]').check()
    rate.locator("button[type=submit]").click()
    page.locator("#rating").wait_for()
    mine = api(demo, "GET", f"/api/v1/reports/{number}", CITIZEN)
    assert (mine["status"], mine["rating"]) == ("closed", "satisfied")


def numbers(locator: Any) -> list[tuple[str, str]]:
    """The (data-label, data-value) of each bar or point, in drawing order."""
    pairs = locator.evaluate_all(
        "els => els.map(e => [e.getAttribute('data-label'), e.getAttribute('data-value')])"
    )
    return [tuple(pair) for pair in pairs]


def value(number: float | None) -> str:
    """The number as the chart writes it in data-value (JavaScript's String())."""
    if number is None:
        return ""
    return str(int(number)) if float(number).is_integer() else str(number)


def test_the_statistics_charts_draw_the_apis_numbers(demo: Demo, desk) -> None:
    open_console(desk, demo, IOC, "stats")
    desk.locator("#chart-organizations svg").wait_for()
    since = desk.locator('#stats-filters input[name="since"]').input_value()
    stats = requests.get(
        demo.url("/api/v1/public/reports/stats"),
        params={"since": since, "group_by": "organization"},
        timeout=30,
    ).json()
    weeks = requests.get(
        demo.url("/api/v1/public/reports/stats"),
        params={"since": since, "group_by": "period", "period": "week"},
        timeout=30,
    ).json()
    assert stats["total"]["received"] > 0

    figure = desk.locator("#fig-received .figure-value").inner_text()
    assert re.sub(r"\D", "", figure) == str(stats["total"]["received"])

    organizations = desk.locator("#chart-organizations svg")
    assert organizations.get_attribute("role") == "img"
    assert organizations.locator("title").first.inner_html().strip()
    handled = numbers(organizations.locator('rect.bar[data-series="Đã xử lý"]'))
    groups = [(g["label"] or g["key"] or "Chờ phân luồng", g) for g in stats["groups"]]
    assert handled == [(label, value(g["handled_pct"])) for label, g in groups]
    on_time = numbers(organizations.locator('rect.bar[data-series="Đúng hạn"]'))
    assert on_time == [(label, value(g["on_time_pct"])) for label, g in groups]
    # The same numbers as a table for whoever cannot see the chart.
    rows = desk.locator("#chart-organizations table tbody tr")
    assert rows.count() == len(stats["groups"])

    received = numbers(desk.locator('#chart-received rect.bar[data-series="Đã nhận"]'))
    assert received == [(g["label"], value(g["received"])) for g in weeks["groups"]]

    total = stats["total"]
    split = numbers(desk.locator("#chart-satisfaction rect.bar"))
    rated = [total["satisfied"], total["accepted"], total["not_satisfied"]]
    if sum(rated):
        assert [v for _, v in split] == [value(n) for n in rated]

    csv_link = desk.locator("#csv-organization").get_attribute("href")
    assert "format=csv" in csv_link and f"since={since}" in csv_link
    csv = requests.get(demo.url(csv_link), timeout=30)
    assert csv.headers["Content-Type"].startswith("text/csv")
    assert csv.content.startswith(b"\xef\xbb\xbf")


def public_alerts(demo: Demo) -> dict[str, dict]:
    answer = requests.get(demo.url("/api/v1/public/alerts"), timeout=30)
    answer.raise_for_status()
    return {item["identifier"]: item for item in answer.json()["items"]}


def test_an_alert_is_composed_over_a_polygon_published_updated_and_cancelled(
    demo: Demo, desk
) -> None:
    before = public_alerts(demo)
    drafts = len(api(demo, "GET", "/api/v1/alerts", ADMIN)["items"])
    open_console(desk, demo, ADMIN, "alerts/new")
    form = desk.locator("#alert-form")

    # Nothing filled in: the API's refusal shows under the field, and nothing is written.
    form.locator("#publish-alert").click()
    form.locator(".field-error").first.wait_for()
    assert form.locator('[name="event"][aria-invalid="true"]').count() == 1
    assert len(api(demo, "GET", "/api/v1/alerts", ADMIN)["items"]) == drafts

    form.locator("select[name=urgency]").select_option("Immediate")
    form.locator("select[name=severity]").select_option("Severe")
    form.locator("select[name=certainty]").select_option("Likely")
    form.locator("input[name=event]").fill("Sạt lở đất")
    form.locator("input[name=headline]").fill("Nguy cơ sạt lở bờ sông ở Kim Long")
    form.locator("textarea[name=description]").fill("Bờ sông Hương đoạn Kim Long có vết nứt dài.")
    form.locator("textarea[name=instruction]").fill("Không đến gần bờ sông; tránh đường Kim Long.")
    form.locator('input[name=category][value="Geo"]').check()
    form.locator("#area_polygon").check()
    form.locator("#polygon").fill(
        "16.455, 107.540\n16.480, 107.540\n16.480, 107.575\n16.455, 107.575"
    )
    desk.locator("#polygon-preview polygon, #polygon-preview path").first.wait_for()
    form.locator("#publish-alert").click()
    desk.locator("#confirm-yes").click()
    desk.locator('#alert-title[data-state="published"]').wait_for()

    published = [a for key, a in public_alerts(demo).items() if key not in before]
    assert [a["headline"] for a in published] == ["Nguy cơ sạt lở bờ sông ở Kim Long"]
    ring = published[0]["areas"][0]["polygons"][0]
    assert ring[0] == ring[-1] and len(ring) == 5  # closed by the composer
    assert desk.locator("#cap-link").get_attribute("href").endswith(".xml")

    # An update replaces it in the public feed; a cancellation replaces that.
    update = desk.locator("#alert-form")
    update.locator("input[name=headline]").fill("Sạt lở bờ sông ở Kim Long: đã phong tỏa")
    update.locator("#save-alert").click()
    desk.get_by_text("Đã gửi bản cập nhật.").wait_for()
    current = [a for key, a in public_alerts(demo).items() if key not in before]
    assert [a["headline"] for a in current] == ["Sạt lở bờ sông ở Kim Long: đã phong tỏa"]
    assert current[0]["msg_type"] == "Update"

    cancel = desk.locator("#cancel-form")
    cancel.locator("textarea[name=note]").fill("Đã gia cố bờ sông, hết nguy cơ.")
    cancel.locator("button[type=submit]").click()
    desk.locator("#confirm-yes").click()
    desk.get_by_text("Đã gửi tin hủy.").wait_for()
    assert desk.locator("#cancel-form").count() == 0
    # The feed carries the Cancel itself, so that CAP clients withdraw what they showed.
    left = [a for key, a in public_alerts(demo).items() if key not in before]
    assert [a["msg_type"] for a in left] == ["Cancel"]
