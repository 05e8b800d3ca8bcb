"""Standard Webhooks signatures, secrets, the URL policy against SSRF, the event type registry
and the retry schedule, without a platform."""

from __future__ import annotations

import base64
import ipaddress
from datetime import UTC, datetime

import pytest
from sieuapp.core.webhooks import events, signing
from sieuapp.core.webhooks.sending import MAX_ATTEMPTS, SCHEDULE, next_delay
from sieuapp.core.webhooks.urls import address_refused, url_problems
from sieuapp.sdk import text
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

# The published test vector of the official libraries: standard-webhooks/standard-webhooks,
# libraries/python/tests/test_webhooks.py, test_sign_function (the same secret, id and payload
# are the fixtures of the other languages' tests).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_PAYLOAD = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_published_test_vector() -> None:
    assert (
        signing.sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_PAYLOAD) == VECTOR_SIGNATURE
    )
    # One byte of the body, the id or the timestamp changed: another signature.
    assert signing.sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP + 1, VECTOR_PAYLOAD) != (
        VECTOR_SIGNATURE
    )
    assert signing.sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP, b'{"test":2432232314}') != (
        VECTOR_SIGNATURE
    )


def test_our_signatures_agree_with_the_official_library_for_fresh_secrets() -> None:
    moment = datetime(2026, 3, 2, 2, 0, 7, tzinfo=UTC)
    body = '{"type":"a.b","data":{"tên":"Huế"}}'.encode()
    for _ in range(5):
        secret = signing.new_secret()
        ours = signing.sign(secret, "msg_abc-DEF_123", int(moment.timestamp()), body)
        assert ours == Webhook(secret).sign("msg_abc-DEF_123", moment, body)


def test_a_new_secret_is_whsec_and_base64_of_random_bytes() -> None:
    made = {signing.new_secret() for _ in range(20)}
    assert len(made) == 20
    for secret in made:
        assert secret.startswith("whsec_")
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        assert 24 <= len(key) <= 64
        assert signing.key_of(secret) == key


@pytest.mark.parametrize(
    "secret",
    [
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",  # no prefix
        "whsec_not*base64",
        "whsec_" + base64.b64encode(b"x" * 23).decode(),  # too short
        "whsec_" + base64.b64encode(b"x" * 65).decode(),  # too long
    ],
)
def test_a_malformed_secret_is_refused(secret: str) -> None:
    with pytest.raises(ValueError):
        signing.key_of(secret)


def test_an_id_with_a_full_stop_is_refused_it_would_blur_the_signed_content() -> None:
    with pytest.raises(ValueError):
        signing.sign(VECTOR_SECRET, "msg_a.1614265330", 1, b"{}")


def test_two_secrets_make_two_signatures_each_verifying_alone() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    now = datetime.now(UTC)
    timestamp = int(now.timestamp())
    body = b'{"type":"webhook_test.paid"}'
    header = signing.signature_header([new, old], "msg_rotate", timestamp, body)
    assert len(header.split(" ")) == 2
    headers = {"webhook-id": "msg_rotate", "webhook-timestamp": str(timestamp)}
    for secret in (old, new):
        Webhook(secret).verify(body, {**headers, "webhook-signature": header})
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(body, {**headers, "webhook-signature": header})


def test_secrets_are_sealed_for_the_database_with_the_secret_key() -> None:
    secret = signing.new_secret()
    sealed = signing.seal(secret, "key-one")
    assert secret not in sealed and secret.removeprefix("whsec_") not in sealed
    assert signing.unseal(sealed, "key-one") == secret
    with pytest.raises(signing.SecretUnreadable):
        signing.unseal(sealed, "key-two")


# -- the URL policy --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://partner.example/hooks",
        "https://partner.example:8443/hooks?token=abc",
        "https://8.8.8.8/hooks",
        "https://[2001:4860:4860::8888]/hooks",
    ],
)
def test_public_https_urls_are_accepted(url: str) -> None:
    assert url_problems(url, allow_local=False) == []


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://partner.example/hooks", "https"),
        ("ftp://partner.example/hooks", "https"),
        ("/hooks", "https"),
        ("https://user:pw@partner.example/hooks", "credentials"),
        ("https://partner.example/hooks#x", "fragment"),
        ("https://partner.example/ho oks", "spaces"),
        ("https://partner.example:99999/", "valid"),
        ("https://localhost/hooks", "Loopback"),
        ("https://127.0.0.1/hooks", "Loopback"),
        ("https://[::1]/hooks", "Loopback"),
        ("https://10.1.2.3/hooks", "not a public address"),
        ("https://192.168.1.1/hooks", "not a public address"),
        ("https://172.16.0.1/hooks", "not a public address"),
        ("https://169.254.169.254/latest/meta-data", "not a public address"),
        ("https://100.64.0.1/hooks", "not a public address"),
        ("https://[fd00::1]/hooks", "not a public address"),
        ("https://[fe80::1]/hooks", "not a public address"),
        ("https://[::ffff:10.0.0.1]/hooks", "not a public address"),
        ("https://0.0.0.0/hooks", "unspecified"),
        ("https://224.0.0.1/hooks", "multicast"),
        ("https://partner.example/" + "a" * 2000, "2000"),
    ],
)
def test_unsafe_urls_are_refused_with_the_reason(url: str, words: str) -> None:
    problems = url_problems(url, allow_local=False)
    assert len(problems) == 1 and words in problems[0], problems


def test_the_local_setting_allows_loopback_over_http_and_private_addresses_only() -> None:
    assert url_problems("http://127.0.0.1:8080/hooks", allow_local=True) == []
    assert url_problems("http://localhost:8080/hooks", allow_local=True) == []
    assert url_problems("https://10.1.2.3/hooks", allow_local=True) == []
    # Plain http stays refused off loopback, and multicast everywhere.
    assert "https" in url_problems("http://10.1.2.3/hooks", allow_local=True)[0]
    assert "multicast" in url_problems("https://224.0.0.1/hooks", allow_local=True)[0]


def test_resolved_addresses_are_judged_like_literal_ones() -> None:
    for text_address in ("127.0.0.1", "10.0.0.5", "169.254.169.254", "::1", "::ffff:127.0.0.1"):
        address = ipaddress.ip_address(text_address)
        assert address_refused(address, allow_local=False) is not None
        assert address_refused(address, allow_local=True) is None
    assert address_refused(ipaddress.ip_address("93.184.216.34"), allow_local=False) is None


# -- event types and the schedule ------------------------------------------------------------


def test_event_types_are_registered_once_with_vi_and_en() -> None:
    events.register_event_type("webhook_test.registry", text("Thử", "Test"))
    events.register_event_type("webhook_test.registry", text("Thử", "Test"))
    assert events.event_types()["webhook_test.registry"].en == "Test"
    with pytest.raises(ValueError):
        events.register_event_type("webhook_test.registry", text("Khác", "Other"))
    for bad in ("payment", "payment.", "payment succeeded", "thanh-toán.xong", "a." + "b" * 80):
        with pytest.raises(ValueError):
            events.register_event_type(bad, text("x", "x"))


def test_the_schedule_is_the_specifications_with_at_most_a_tenth_of_jitter() -> None:
    hour = 3600
    expected = (0, 5, 300, 1800, 2 * hour, 5 * hour, 10 * hour, 14 * hour, 20 * hour, 24 * hour)
    assert expected == SCHEDULE
    for attempts in range(1, MAX_ATTEMPTS):
        delay = next_delay(attempts)
        assert delay is not None
        assert SCHEDULE[attempts] <= delay <= SCHEDULE[attempts] * 1.1
    assert next_delay(MAX_ATTEMPTS) is None
    # A longer Retry-After wins; a shorter one does not shorten the schedule.
    assert next_delay(1, retry_after=120) == 120
    assert next_delay(2, retry_after=1) >= 300
    assert next_delay(1, retry_after=10**9) == 86400
