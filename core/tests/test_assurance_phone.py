"""Level 1: phone verification by a one-time code, through the API."""

from __future__ import annotations

import hashlib
import logging

import pytest
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.db import unit_of_work
from sieuapp.core.identity import accounts
from sieuapp.core.identity.assurance import phone_numbers
from sieuapp.core.identity.assurance.models import PhoneVerification
from sieuapp.core.identity.models import User
from sieuapp.core.tenancy.models import Tenant
from sieuapp.core.tenancy.provinces import create_tenant
from sqlalchemy import select

from .assurance_helpers import AN, Clock, install_clock, sent_code, user_row

REQUEST = "/api/v1/me/phone/verification"
CONFIRM = "/api/v1/me/phone/verification/confirm"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return install_clock(monkeypatch)


@pytest.fixture
def platform(make_platform, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.WARNING, logger="sieuapp.sms")
    return make_platform(plugins=[], sms_development_log=True)


def rows(platform) -> list[PhoneVerification]:
    with platform.context() as session:
        found = list(session.scalars(select(PhoneVerification).order_by(PhoneVerification.id)))
        session.expunge_all()
        return found


def audit_entries(platform, action: str) -> list[AuditEntry]:
    with platform.context() as session:
        found = list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))
        session.expunge_all()
        return found


# -- numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["0905123456", "0905 123 456", "0905.123.456", "+84905123456", "+84 905 123 456",
     "84905123456", "0084905123456", "+84 (0) 905 123 456", "(+84) 905-123-456"],
)  # fmt: skip
def test_vietnamese_mobile_numbers_are_normalized_to_e164(typed: str) -> None:
    assert phone_numbers.to_e164(typed) == "+84905123456"


@pytest.mark.parametrize(
    "typed",
    ["", "0905", "09051234567", "02343822222", "0951234567", "+14155550123", "0905abc456",
     "905123456", "+8490512345", "０９０５１２３４５６"],
)  # fmt: skip
def test_other_numbers_are_refused(typed: str) -> None:
    assert phone_numbers.to_e164(typed) is None


def test_masking_keeps_only_what_recognises_the_number() -> None:
    assert phone_numbers.masked("+84905123456") == "+8490****456"


# -- the happy path -----------------------------------------------------------------------


def test_a_code_sent_and_confirmed_makes_the_user_level_1(platform, clock, caplog) -> None:
    client = platform.client("citizen")
    before = client.get("/api/v1/me/assurance").json
    assert before["level"] == 0 and before["acr"] == "urn:sieuapp:loa:0"
    assert before["phone"] is None  # the seeded phone was never verified

    sent = client.post(REQUEST, json={"phone": "0905 123 456"})
    assert sent.status_code == 202, sent.json
    assert sent.json == {"phone": "+84905123456", "expires_in": 300, "resend_after": 60}
    code = sent_code(caplog, "+84905123456")
    assert code not in sent.get_data(as_text=True)
    status = client.get("/api/v1/me/assurance").json
    assert status["pending_phone_verification"]["phone"] == "+84905123456"

    clock.advance(299)
    done = client.post(CONFIRM, json={"code": code})
    assert done.status_code == 200, done.json
    assert done.json["level"] == 1
    assert done.json["acr"] == "urn:sieuapp:loa:1"
    assert done.json["phone"] == "+84905123456"
    assert done.json["pending_phone_verification"] is None

    user = user_row(platform, "citizen")
    assert (user.assurance_level, user.phone) == (1, "+84905123456")
    assert user.phone_verified_at == clock.now
    (entry,) = audit_entries(platform, "assurance.phone_verified")
    assert entry.target == user.id and entry.actor_id == user.id
    assert entry.after["phone"] == "+8490****456" and entry.after["level"] == 1
    assert code not in str(entry.before) + str(entry.after)


def test_codes_are_stored_keyed_not_plain_nor_plain_sha256(platform, clock, caplog) -> None:
    platform.client("citizen").post(REQUEST, json={"phone": "0905123456"})
    code = sent_code(caplog)
    (row,) = rows(platform)
    assert code not in row.code_hash
    assert row.code_hash != hashlib.sha256(code.encode()).hexdigest()
    assert len(row.code_hash) == 64


def test_the_sms_is_in_the_callers_language(platform, clock, caplog) -> None:
    client = platform.client("citizen")
    client.post(REQUEST, json={"phone": "0905123456"}, headers={"Accept-Language": "en"})
    assert "your verification code is" in caplog.records[-1].getMessage()
    clock.advance(61)
    client.post(REQUEST, json={"phone": "0905123456"})
    assert "ma xac minh cua ban la" in caplog.records[-1].getMessage()


def test_a_code_cannot_be_used_twice(platform, clock, caplog) -> None:
    client = platform.client("citizen")
    client.post(REQUEST, json={"phone": "0905123456"})
    code = sent_code(caplog)
    assert client.post(CONFIRM, json={"code": code}).status_code == 200
    again = client.post(CONFIRM, json={"code": code})
    assert again.status_code == 409 and "code" in again.json["errors"]


def test_a_level_2_user_stays_at_level_2_when_changing_number(platform, clock, caplog) -> None:
    with platform.context() as session:
        session.get(User, platform.users["citizen"].id).assurance_level = 2
    client = platform.client("citizen")
    client.post(REQUEST, json={"phone": "0912345678"})
    done = client.post(CONFIRM, json={"code": sent_code(caplog)})
    assert done.json["level"] == 2 and done.json["phone"] == "+84912345678"


# -- unhappy paths ------------------------------------------------------------------------


def test_signing_in_is_needed(platform) -> None:
    client = platform.client()
    assert client.post(REQUEST, json={"phone": "0905123456"}).status_code == 401
    assert client.post(CONFIRM, json={"code": "123456"}).status_code == 401
    assert client.get("/api/v1/me/assurance").status_code == 401


@pytest.mark.parametrize("body", [{}, {"phone": ""}, {"phone": "02343822222"}, {"phone": 905}])
def test_an_invalid_number_is_refused_naming_the_field(platform, clock, caplog, body) -> None:
    answer = platform.client("citizen").post(REQUEST, json=body)
    assert answer.status_code == 422
    assert answer.json["code"] == "invalid_input"
    assert list(answer.json["errors"]) == ["phone"]
    assert rows(platform) == []
    assert not [r for r in caplog.records if r.name == "sieuapp.sms"]


def test_the_message_follows_the_language(platform, clock) -> None:
    client = platform.client("citizen")
    vi = client.post(REQUEST, json={"phone": "123"})
    en = client.post(REQUEST, json={"phone": "123"}, headers={"Accept-Language": "en"})
    assert "Không phải số di động" in vi.json["errors"]["phone"][0]
    assert "Not a Vietnamese mobile number" in en.json["errors"]["phone"][0]


def test_a_wrong_code_is_refused_and_counted(platform, clock, caplog) -> None:
    client = platform.client("citizen")
    client.post(REQUEST, json={"phone": "0905123456"})
    code = sent_code(caplog)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    answer = client.post(CONFIRM, json={"code": wrong})
    assert answer.status_code == 422
    assert answer.json["errors"]["code"] == ["Mã không đúng. Còn 4 lần thử."]
    (row,) = rows(platform)
    assert row.failures == 1 and row.used_at is None
    assert user_row(platform, "citizen").assurance_level == 0
    assert len(audit_entries(platform, "assurance.phone_failed")) == 1
    # The right code still works after a wrong one.
    assert client.post(CONFIRM, json={"code": code}).status_code == 200


def test_a_malformed_code_is_refused_without_spending_an_attempt(platform, clock, caplog) -> None:
    client = platform.client("citizen")
    client.post(REQUEST, json={"phone": "0905123456"})
    for bad in ("12345", "1234567", "abcdef", "１２３４５６"):
        answer = client.post(CONFIRM, json={"code": bad})
        assert answer.status_code == 422 and list(answer.json["errors"]) == ["code"]
    assert rows(platform)[0].failures == 0
    assert (
        client.post(
            CONFIRM, json={"code": f" {sent_code(caplog)[:3]} {sent_code(caplog)[3:]} "}
        ).status_code
        == 200
    )


def test_too_many_wrong_codes_kill_the_code(platform, clock, caplog) -> None:
    client = platform.client("citizen")
    client.post(REQUEST, json={"phone": "0905123456"})
    code = sent_code(caplog)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    for _ in range(4):
        assert client.post(CONFIRM, json={"code": wrong}).status_code == 422
    last = client.post(CONFIRM, json={"code": wrong})
    assert last.status_code == 429
    assert last.json["code"] == "too_many_requests" and "code" in last.json["errors"]
    assert int(last.headers["Retry-After"]) >= 1
    # Even the right code is refused now, and nothing was changed.
    right = client.post(CONFIRM, json={"code": code})
    assert right.status_code == 429
    assert rows(platform)[0].failures == 5
    assert user_row(platform, "citizen").assurance_level == 0
    # A new code works.
    clock.advance(61)
    client.post(REQUEST, json={"phone": "0905123456"})
    assert client.post(CONFIRM, json={"code": sent_code(caplog)}).status_code == 200


def test_an_expired_code_is_refused(platform, clock, caplog) -> None:
    client = platform.client("citizen")
    client.post(REQUEST, json={"phone": "0905123456"})
    clock.advance(300)
    answer = client.post(CONFIRM, json={"code": sent_code(caplog)})
    assert answer.status_code == 409
    assert answer.json["errors"]["code"] == ["Mã đã hết hạn. Hãy yêu cầu mã mới."]
    assert user_row(platform, "citizen").assurance_level == 0
    assert client.get("/api/v1/me/assurance").json["pending_phone_verification"] is None


def test_confirming_without_a_code_sent_is_refused(platform, clock) -> None:
    answer = platform.client("citizen").post(CONFIRM, json={"code": "123456"})
    assert answer.status_code == 409 and "code" in answer.json["errors"]


def test_asking_again_too_soon_is_refused_with_retry_after(platform, clock, caplog) -> None:
    client = platform.client("citizen")
    assert client.post(REQUEST, json={"phone": "0905123456"}).status_code == 202
    clock.advance(20)
    again = client.post(REQUEST, json={"phone": "0912345678"})
    assert again.status_code == 429
    assert again.headers["Retry-After"] == "40"
    assert again.json["code"] == "too_many_requests" and "_request" in again.json["errors"]
    assert len(rows(platform)) == 1
    clock.advance(40)
    assert client.post(REQUEST, json={"phone": "0912345678"}).status_code == 202


def test_one_number_gets_no_second_code_too_soon_whoever_asks(platform, clock, caplog) -> None:
    assert platform.client("citizen").post(REQUEST, json={"phone": "0905123456"}).status_code == 202
    clock.advance(10)
    other = platform.client("official").post(REQUEST, json={"phone": "+84905123456"})
    assert other.status_code == 429
    assert other.headers["Retry-After"] == "50"
    assert list(other.json["errors"]) == ["phone"]


def test_a_new_code_replaces_the_one_before(platform, clock, caplog) -> None:
    client = platform.client("citizen")
    client.post(REQUEST, json={"phone": "0905123456"})
    first = sent_code(caplog)
    clock.advance(61)
    client.post(REQUEST, json={"phone": "0905123456"})
    second = sent_code(caplog)
    if first != second:
        assert client.post(CONFIRM, json={"code": first}).status_code == 422
    assert client.post(CONFIRM, json={"code": second}).status_code == 200


def test_codes_per_day_are_limited(platform, clock, caplog) -> None:
    client = platform.client("citizen")
    for _ in range(10):
        assert client.post(REQUEST, json={"phone": "0905123456"}).status_code == 202
        clock.advance(61)
    refused = client.post(REQUEST, json={"phone": "0905123456"})
    assert refused.status_code == 429
    # The first of the ten was sent 610 seconds ago; it stops counting a day after it was sent.
    assert refused.headers["Retry-After"] == str(24 * 3600 - 610)
    clock.advance(24 * 3600 - 610)
    assert client.post(REQUEST, json={"phone": "0905123456"}).status_code == 202


def test_the_number_already_verified_is_not_sent_again(platform, clock, caplog) -> None:
    client = platform.client("citizen")
    client.post(REQUEST, json={"phone": "0905123456"})
    client.post(CONFIRM, json={"code": sent_code(caplog)})
    clock.advance(61)
    again = client.post(REQUEST, json={"phone": "0905 123 456"})
    assert again.status_code == 409 and list(again.json["errors"]) == ["phone"]


def test_without_a_sender_asking_for_a_code_is_a_503(make_platform, clock, caplog) -> None:
    platform = make_platform(plugins=[])  # the development sender is off by default
    caplog.set_level(logging.DEBUG)
    answer = platform.client("citizen").post(REQUEST, json={"phone": "0905123456"})
    assert answer.status_code == 503
    assert answer.json["code"] == "sms_unavailable"
    assert answer.json["message"] == "Hiện không gửi được tin nhắn SMS. Vui lòng thử lại sau."
    assert rows(platform) == []
    assert not [r for r in caplog.records if r.name == "sieuapp.sms"]
    assert not [r for r in caplog.records if "ma xac minh" in r.getMessage()]


def test_an_agent_acting_for_the_citizen_cannot_verify_for_them(platform, clock, caplog) -> None:
    with unit_of_work(platform.runtime.sessionmaker) as session:
        citizen = session.get(User, platform.users["citizen"].id)
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == "hue"))
        secret, token = accounts.issue_token(session, citizen, tenant_id, 600)
        token.actor_id = platform.users["official"].id  # as a delegation token is
    client = platform.client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    for path, body in (
        (REQUEST, {"phone": "0905123456"}),
        (CONFIRM, {"code": "123456"}),
        ("/api/v1/me/identity/verification", AN),
    ):
        answer = client.post(path, json=body)
        assert answer.status_code == 403, (path, answer.json)
    assert rows(platform) == []
    assert not [r for r in caplog.records if r.name == "sieuapp.sms"]


def test_a_token_of_another_province_is_refused(platform, clock) -> None:
    with platform.context() as session:
        create_tenant(session, "danang", 48)
    answer = platform.client("citizen", tenant="danang").post(REQUEST, json={"phone": "0905123456"})
    assert answer.status_code == 401
    assert rows(platform) == []
