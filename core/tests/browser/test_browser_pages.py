"""The sign-in and account pages in a real Chromium at 360 x 740, against a real server."""

from __future__ import annotations

import re
import time

import pytest
from sieuapp.core.identity import throttle, totp
from sieuapp.core.identity.models import TotpCredential, User
from sqlalchemy import select

from ..pages_helpers import PASSWORD
from .conftest import BROWSER, Site

pytestmark = BROWSER


def fill_and_submit(page, fields: dict[str, str], button: str) -> None:
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name=button, exact=True).click()


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_register_then_the_account_page(site: Site, page) -> None:
    page.goto(site.url("/auth/register"))
    assert page.locator("html").get_attribute("lang") == "vi"
    fill_and_submit(
        page,
        {
            "Họ và tên": "Nguyễn Thị Lan",
            "Tên đăng nhập": "lan",
            "Mật khẩu": "mat-khau-cua-lan",
            "Số điện thoại (không bắt buộc)": "0905123456",
        },
        "Đăng ký",
    )
    page.wait_for_url(site.url("/account"))
    assert page.locator("h1").inner_text() == "Nguyễn Thị Lan"
    assert page.locator("#username").inner_text() == "lan"
    assert "Mức 0" in page.locator("#level").inner_text()
    assert page.get_by_role("link", name="Xác minh số điện thoại").is_visible()
    assert no_horizontal_scroll(page)
    # The stylesheet applied: the sign-out button is a styled 48 px target.
    box = page.locator("#sign-out").bounding_box()
    assert box is not None and box["height"] >= 48
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(re.compile(r".*/auth/login$"))
    page.goto(site.url("/account"))
    assert "/auth/login" in page.url


def test_a_wrong_password_shows_the_error(site: Site, page) -> None:
    page.goto(site.url("/auth/login"))
    fill_and_submit(page, {"Tên đăng nhập": "citizen", "Mật khẩu": "sai-mat-khau"}, "Đăng nhập")
    alert = page.get_by_role("alert")
    assert alert.inner_text() == "Sai tên đăng nhập hoặc mật khẩu."
    # The username is kept, the password is not.
    assert page.get_by_label("Tên đăng nhập", exact=True).input_value() == "citizen"
    assert page.get_by_label("Mật khẩu", exact=True).input_value() == ""
    fill_and_submit(page, {"Mật khẩu": PASSWORD}, "Đăng nhập")
    page.wait_for_url(site.url("/account"))


def test_an_unknown_user_locked_out_reads_the_throttles_words(site: Site, page) -> None:
    page.goto(site.url("/auth/login?lang=en"))
    for _ in range(6):
        fill_and_submit(page, {"Username": "nobody", "Password": "guess"}, "Sign in")
    assert page.get_by_role("alert").inner_text() == throttle.LOCKED_MESSAGE.en


def _code(secret: str, after_step: int | None) -> tuple[str, int]:
    """The code an app shows now, or for the step after ``after_step`` when that one was used
    (a code is good once; the server accepts the next step too)."""
    step = totp.time_step(time.time())
    if after_step is not None:
        step = max(step, after_step + 1)
    return totp.hotp(totp.decode_secret(secret), step), step


def test_an_official_enrols_totp_then_signs_in_with_it(site: Site, page) -> None:
    page.goto(site.url("/auth/login?next=/account"))
    fill_and_submit(page, {"Tên đăng nhập": "official", "Mật khẩu": PASSWORD}, "Đăng nhập")
    # The role requires a second factor: enrolment before the login completes.
    secret = page.locator("#secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert (
        page.get_by_role("link", name="Mở trong ứng dụng xác thực")
        .get_attribute("href")
        .startswith("otpauth://totp/")
    )
    assert no_horizontal_scroll(page)
    code, step = _code(secret, None)
    fill_and_submit(page, {"Mã 6 số": code}, "Bật xác thực hai lớp")
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="Tôi đã lưu, tiếp tục").click()
    page.wait_for_url(site.url("/account"))
    assert "Đang bật" in page.locator("#mfa-status").inner_text()
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(re.compile(r".*/auth/login$"))

    # Signing in again asks for the code; a wrong one is refused, the right one lets in.
    fill_and_submit(page, {"Tên đăng nhập": "official", "Mật khẩu": PASSWORD}, "Đăng nhập")
    label = "Mã 6 số trong ứng dụng xác thực"
    fill_and_submit(page, {label: "000000"}, "Xác nhận")
    assert "Mã xác thực không đúng" in page.get_by_role("alert").inner_text()
    code, _ = _code(secret, step)
    fill_and_submit(page, {label: code}, "Xác nhận")
    page.wait_for_url(site.url("/account"))
    assert page.locator("#username").inner_text() == "official"
    with site.platform.context() as session:
        user = session.scalar(select(User).where(User.username == "official"))
        assert session.scalar(
            select(TotpCredential.confirmed_at).where(TotpCredential.user_id == user.id)
        )


def test_switching_to_english_is_remembered(site: Site, page) -> None:
    page.goto(site.url("/auth/login"))
    assert page.locator("h1").inner_text() == "Đăng nhập"
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Sign in"
    page.get_by_role("link", name="Register").click()
    assert page.locator("h1").inner_text() == "Create an account"
    fill_and_submit(
        page,
        {"Full name": "Lan", "Username": "ab", "Password": "short"},
        "Create account",
    )
    assert page.locator("#username-error").inner_text() == (
        "The username must be 3 to 120 characters."
    )
    assert page.locator("#password-error").inner_text() == (
        "The password must be at least 8 characters."
    )
    assert page.get_by_label("Username", exact=True).get_attribute("aria-invalid") == "true"


@pytest.mark.parametrize("path", ["/auth/login", "/auth/register"])
def test_the_forms_fit_a_phone(site: Site, page, path: str) -> None:
    page.goto(site.url(path))
    assert no_horizontal_scroll(page)
    for field in page.locator("input:not([type=hidden])").all():
        box = field.bounding_box()
        assert box is not None and box["width"] <= 360 and box["height"] >= 44
