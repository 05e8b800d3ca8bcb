"""The verification pages, driven as a browser drives them (forms, CSRF, redirects)."""

from __future__ import annotations

import logging

import pytest
from sieuapp.core.identity.models import User

from .assurance_helpers import AN, Clock, install_clock, sent_code, user_row, write_registry
from .pages_helpers import csrf, html, log_in, with_passwords

PHONE = "/account/verify/phone"
IDENTITY = "/account/verify/identity"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return install_clock(monkeypatch)


@pytest.fixture
def platform(make_platform, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="sieuapp.sms")
    return with_passwords(
        make_platform(
            plugins=[],
            sms_development_log=True,
            identity_registry_file=str(write_registry(tmp_path)),
        )
    )


@pytest.fixture
def browser(platform):
    client = platform.client()
    assert log_in(client, "citizen").status_code == 303
    return client


def submit(client, page: str, action: str, **fields: str):
    return client.post(action, data={"csrf_token": csrf(client, page), **fields})


def test_the_pages_need_a_signed_in_browser(platform) -> None:
    client = platform.client()
    for page in (PHONE, IDENTITY):
        answer = client.get(f"{page}?lang=en")
        assert answer.status_code == 303
        assert answer.headers["Location"].startswith("/auth/login?next=%2Faccount%2Fverify%2F")


def test_phone_then_identity_through_the_pages(platform, browser, clock, caplog) -> None:
    page = html(browser.get(PHONE))
    assert "Xác minh số điện thoại" in page and 'name="phone"' in page
    assert 'value="0905000000"' in page  # the number the account was registered with

    sent = submit(browser, PHONE, PHONE, phone="0905 123 456")
    assert sent.status_code == 303 and sent.headers["Location"] == f"{PHONE}?sent=1"
    waiting = html(browser.get(sent.headers["Location"]))
    assert "+84905123456" in waiting and 'name="code"' in waiting
    assert sent_code(caplog) not in waiting

    done = submit(browser, PHONE, f"{PHONE}/confirm", code=sent_code(caplog))
    assert done.status_code == 303 and done.headers["Location"] == f"{PHONE}?verified=1"
    assert "Tài khoản của bạn đạt mức 1" in html(browser.get(done.headers["Location"]))
    assert user_row(platform, "citizen").assurance_level == 1

    form = html(browser.get(IDENTITY))
    assert 'name="national_id"' in form and 'value="Nguyễn Văn An"' in form
    verified = submit(browser, IDENTITY, IDENTITY, **AN)
    assert verified.status_code == 303
    result = html(browser.get(verified.headers["Location"]))
    assert "Tài khoản của bạn đạt mức 2" in result
    assert "046*******56" in result and AN["national_id"] not in result
    assert user_row(platform, "citizen").assurance_level == 2


def test_the_pages_speak_english_when_asked(platform, browser) -> None:
    page = html(browser.get(f"{PHONE}?lang=en"))
    assert "Verify your phone number" in page and '<html lang="en">' in page
    identity = html(browser.get(IDENTITY))  # the language cookie remembers the choice
    assert "First, verify your phone number" in identity


def test_identity_before_phone_shows_the_way_to_level_1(platform, browser) -> None:
    page = html(browser.get(IDENTITY))
    assert 'id="phone-first"' in page and 'name="national_id"' not in page
    # A form posted anyway (an old tab) is refused with the same way out.
    refused = submit(browser, PHONE, IDENTITY, **AN)
    assert refused.status_code == 403
    assert "/account/verify/phone" in html(refused)
    assert user_row(platform, "citizen").assurance_level == 0


def test_a_bad_number_is_shown_at_its_field(platform, browser) -> None:
    answer = submit(browser, PHONE, PHONE, phone="0234 382 2222")
    assert answer.status_code == 422
    page = html(answer)
    assert 'id="phone-error"' in page and 'aria-invalid="true"' in page
    assert 'value="0234 382 2222"' in page


def test_a_wrong_code_is_shown_and_counted(platform, browser, clock, caplog) -> None:
    submit(browser, PHONE, PHONE, phone="0905123456")
    code = sent_code(caplog)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    answer = submit(browser, PHONE, f"{PHONE}/confirm", code=wrong)
    assert answer.status_code == 422
    assert "Còn 4 lần thử" in html(answer) and 'id="code-error"' in html(answer)
    assert submit(browser, PHONE, f"{PHONE}/confirm", code=code).status_code == 303


def test_resending_too_soon_says_so_with_retry_after(platform, browser, clock) -> None:
    submit(browser, PHONE, PHONE, phone="0905123456")
    clock.advance(15)
    answer = submit(browser, PHONE, PHONE, phone="0905123456")
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "45"
    assert "Hãy chờ trước khi yêu cầu mã mới" in html(answer)


def test_a_form_without_its_csrf_token_is_refused(platform, browser, caplog) -> None:
    answer = browser.post(PHONE, data={"phone": "0905123456", "csrf_token": "forged"})
    assert answer.status_code == 403
    assert "<html" in html(answer)
    assert not [r for r in caplog.records if r.name == "sieuapp.sms"]
    refused = browser.post(IDENTITY, data=AN)
    assert refused.status_code == 403


def test_identity_errors_are_shown_at_their_fields(platform, browser, clock, caplog) -> None:
    with platform.context() as session:
        session.get(User, platform.users["citizen"].id).assurance_level = 1
    answer = submit(browser, IDENTITY, IDENTITY, **{**AN, "national_id": "046290123456"})
    assert answer.status_code == 422
    assert 'id="national_id-error"' in html(answer)
    bad_date = submit(browser, IDENTITY, IDENTITY, **{**AN, "birthdate": "17/05/1990"})
    assert bad_date.status_code == 422 and 'id="birthdate-error"' in html(bad_date)
    no_match = submit(browser, IDENTITY, IDENTITY, **{**AN, "full_name": "Nguyễn Văn Bình"})
    assert no_match.status_code == 422
    assert "Không có hồ sơ căn cước nào khớp" in html(no_match)
    assert 'value="Nguyễn Văn Bình"' in html(no_match)  # what was typed stays
