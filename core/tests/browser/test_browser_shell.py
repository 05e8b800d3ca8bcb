"""The super-app at ``/`` in a real Chromium at 360 x 740, against the served demo: a citizen
signs in through the platform's OpenID Provider, opens the taxi module, sends a report and
finds it, switches language and text size, withdraws a consent and downloads their data, and
books a taxi in the module's page, whose token and consent come through the app."""

from __future__ import annotations

import io
import json

import requests
from PIL import Image

from .conftest import BROWSER, Demo, sign_in

pytestmark = BROWSER

CITIZEN = ("citizen", "demo-citizen-2025")


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def api_token(demo: Demo, username: str, password: str) -> str:
    answer = requests.post(
        demo.url("/api/v1/auth/login"),
        json={"username": username, "password": password},
        timeout=30,
    )
    answer.raise_for_status()
    return answer.json()["access_token"]


def my_reports(demo: Demo, token: str) -> list[dict]:
    answer = requests.get(
        demo.url("/api/v1/reports/mine?page_size=100"),
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    answer.raise_for_status()
    return answer.json()["items"]


def a_photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 90), (40, 90, 160)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_a_citizen_signs_in_opens_taxi_sends_a_report_and_finds_it(demo: Demo, page) -> None:
    page.goto(demo.url("/"))
    assert page.locator("html").get_attribute("lang") == "vi"
    page.locator('a[data-module="hotlines"]').wait_for()

    sign_in(page, *CITIZEN)
    taxi = page.locator('a[data-module="taxi"]')
    taxi.wait_for()
    assert "Đặt taxi" in taxi.inner_text()
    assert "Giao thông" in taxi.inner_text()
    assert page.locator(".alerts .alert").count() >= 1  # the demo's flood warning for Kim Long
    assert no_horizontal_scroll(page)

    taxi.click()
    frame = page.locator("iframe.module-frame")
    frame.wait_for()
    assert frame.get_attribute("src").startswith("/m/taxi/")
    assert page.locator(".module-bar h1").inner_text() == "Đặt taxi"

    token = api_token(demo, *CITIZEN)
    before = {r["id"] for r in my_reports(demo, token)}
    page.goto(demo.url("/#/reports/new"))
    form = page.locator("#report-form")
    form.locator("select[name=category]").select_option("flooding")
    # A required question left empty, and no description: the API names both, nothing is sent.
    form.locator("button[type=submit]").click()
    form.locator(".field-error").first.wait_for()
    assert form.locator('[name="description"][aria-invalid="true"]').count() == 1
    assert {r["id"] for r in my_reports(demo, token)} == before

    form.locator('[name="attributes.depth_cm"]').fill("35")
    form.locator("select[name=unit_code]").select_option("19810")
    form.locator("input[name=address]").fill("12 Kim Long")
    form.locator("textarea[name=description]").fill("Nước ngập ngang bánh xe trước số 12 Kim Long")
    form.locator("input[type=file]").set_input_files(
        files=[{"name": "ngap.jpg", "mimeType": "image/jpeg", "buffer": a_photo()}]
    )
    form.locator("button[type=submit]").click()
    report = page.locator("#report")
    report.wait_for()
    assert "Nước ngập ngang bánh xe" in report.inner_text()
    assert "Đã tiếp nhận" in page.locator("#timeline").inner_text()

    created = [r for r in my_reports(demo, token) if r["id"] not in before]
    assert len(created) == 1
    assert created[0]["unit_code"] == "19810" and created[0]["attributes"] == {"depth_cm": 35}
    assert len(created[0]["photos"]) == 1

    page.locator("nav.bottom a[href='#/reports']").click()
    mine = page.locator(f'#my-reports a[data-report="{created[0]["id"]}"]')
    mine.wait_for()
    assert "Nước ngập ngang bánh xe" in mine.inner_text()
    assert no_horizontal_scroll(page)


def test_english_and_large_text_stay_across_loads(demo: Demo, page) -> None:
    page.goto(demo.url("/"))
    page.locator('a[data-module="hotlines"]').wait_for()
    page.get_by_role("button", name="Switch to English").click()
    page.get_by_role("heading", name="Services", exact=True).wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator('a[data-module="hotlines"] .name').inner_text() == "Hotlines"

    small = page.locator('a[data-module="hotlines"] .name').bounding_box()["height"]
    page.get_by_role("button", name="Large text").click()
    page.locator("html.large").wait_for(state="attached")
    page.reload()
    page.locator('a[data-module="hotlines"]').wait_for()
    assert page.locator("html").get_attribute("class") == "large"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator('a[data-module="hotlines"] .name').bounding_box()["height"] > small
    assert no_horizontal_scroll(page)


def test_consents_are_withdrawn_and_the_data_downloaded_from_the_account(demo: Demo, page) -> None:
    token = api_token(demo, *CITIZEN)
    headers = {"Authorization": f"Bearer {token}"}
    granted = requests.post(
        demo.url("/api/v1/me/consents/taxi"),
        json={"scopes": ["location"]},
        headers=headers,
        timeout=30,
    )
    assert granted.status_code in (200, 201), granted.text

    page.goto(demo.url("/#/account"))
    sign_in(page, *CITIZEN)
    consent = page.locator('#consents li[data-plugin="taxi"]')
    consent.wait_for()
    assert "location" in consent.inner_text()
    consent.get_by_role("button", name="Thu hồi").click()
    page.get_by_text("Bạn chưa cấp quyền cho dịch vụ nào.").wait_for()
    left = requests.get(demo.url("/api/v1/me/consents"), headers=headers, timeout=30).json()
    assert [c["plugin_id"] for c in left["consents"]] == []

    with page.expect_download() as waiting:
        page.locator("#export-data").click()
    exported = json.loads(waiting.value.path().read_text())
    assert exported["account"]["username"] == "citizen"
    assert exported["complete"] is True
    assert "taxi" in exported["plugins"]

    page.locator("nav.bottom a[href='#/inbox']").click()
    page.locator("#inbox li").first.wait_for()
    page.goto(demo.url("/#/payments"))
    paid = page.locator("#payments li", has_text="Tiền nước tháng 11/2026")
    with page.expect_download() as waiting:
        paid.get_by_role("button", name="Tải biên lai").click()
    assert waiting.value.suggested_filename.startswith("bien-lai-")
    assert "287.500" in waiting.value.path().read_text()

    # The fee still to pay: VietQR shows the code to scan, fetched with the payer's token.
    fee = page.locator("#payments li", has_text="Lệ phí cấp giấy phép xây dựng nhà ở")
    fee.locator('button[data-provider="vietqr"]').click()
    code = fee.locator("img.qr")
    code.wait_for()
    page.wait_for_function("document.querySelector('img.qr').naturalWidth > 0")
    assert "PAY" in fee.locator(".checkout").inner_text()


def test_the_reporter_answers_a_request_for_information(demo: Demo, page) -> None:
    token = api_token(demo, *CITIZEN)
    asked = next(r for r in my_reports(demo, token) if r["status"] == "info_requested")
    page.goto(demo.url(f"/#/reports/{asked['id']}"))
    sign_in(page, *CITIZEN)
    form = page.locator("#info-form")
    form.locator("button[type=submit]").click()
    form.locator(".field-error").wait_for()
    assert form.locator('[name="message"][aria-invalid="true"]').count() == 1

    form.locator("textarea[name=message]").fill("Trước số nhà 45 Bà Triệu, đoạn gần chợ")
    form.locator("button[type=submit]").click()
    page.locator("#info-form").wait_for(state="detached")
    after = requests.get(
        demo.url(f"/api/v1/reports/{asked['id']}"),
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).json()
    assert after["status"] != "info_requested"
    assert "Trước số nhà 45 Bà Triệu" in page.locator("#timeline").inner_text()

    # A new tab has no tokens of its own; the provider still knows the browser, so the app
    # signs in without a page and lands where it was asked to go.
    tab = page.context.new_page()
    tab.goto(demo.url("/#/inbox"))
    tab.locator("#inbox").wait_for()
    assert tab.url.endswith("/#/inbox")
    assert tab.locator("header.top .sign-out").is_visible()


def test_the_taxi_page_gets_its_own_token_and_asks_consent_through_the_app(
    demo: Demo, page
) -> None:
    token = api_token(demo, *CITIZEN)
    headers = {"Authorization": f"Bearer {token}"}
    requests.delete(demo.url("/api/v1/me/consents/taxi"), headers=headers, timeout=30)
    page.goto(demo.url("/#/m/taxi"))
    sign_in(page, *CITIZEN)
    frame = page.frame_locator("iframe.module-frame")
    # Signed in, the page has a token (exchanged for taxi's own) and offers the booking form.
    frame.locator("#book").wait_for()
    frame.locator('#book-form button[value="estimate"]').click()
    frame.locator("#firm-options input").first.wait_for()

    # Booking needs the location: the page asks, the app's own dialog asks the citizen.
    frame.locator("#book-button").click()
    frame.locator("#consent-button").click()
    dialog = page.locator("dialog.consent")
    dialog.wait_for()
    assert "location" in dialog.inner_text()
    dialog.get_by_role("button", name="Đồng ý", exact=True).click()
    dialog.wait_for(state="detached")
    granted = requests.get(demo.url("/api/v1/me/consents"), headers=headers, timeout=30).json()
    assert [(c["plugin_id"], [s["name"] for s in c["scopes"]]) for c in granted["consents"]] == [
        ("taxi", ["location"])
    ]

    # The page starts again with a token carrying the consent, and the booking goes through.
    frame.locator("#book").wait_for()
    frame.locator('#book-form button[value="estimate"]').click()
    frame.locator("#firm-options input").first.wait_for()
    frame.locator("#book-button").click()
    frame.locator("#ride").wait_for()
    rides = requests.get(demo.url("/m/taxi/rides"), headers=headers, timeout=30).json()["rides"]
    assert len(rides) == 1
