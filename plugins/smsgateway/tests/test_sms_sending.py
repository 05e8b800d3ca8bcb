"""Sending through a real HTTP gateway on loopback: the protocol, and an outcome per status."""

from __future__ import annotations

import pytest
from sieuapp.sdk import DeliveryOutcome
from sieuapp_smsgateway.about import CHANNEL
from sieuapp_smsgateway.texts import parts

from .conftest import API_KEY, message


@pytest.fixture
def configured(configure_plugin, gateway):
    response = configure_plugin(gateway.config())
    assert response.status_code == 200, response.get_json()
    return gateway


def deliver(call_hook, *messages):
    return call_hook("deliver_notifications", channel="sms", messages=list(messages))


def test_the_protocol_and_unaccented_text(call_hook, configured):
    outcomes = deliver(call_hook, message("+84905123456"), message("+84914000111"))

    assert [(o.message_id, o.status, o.detail) for o in outcomes] == [
        ("d-+84905123456", "sent", "gw-1"),
        ("d-+84914000111", "sent", "gw-2"),
    ]
    first = configured.requests[0]
    assert first["path"] == "/v1/sms"
    assert first["headers"]["Authorization"] == f"Bearer {API_KEY}"
    assert first["headers"]["Content-Type"] == "application/json"
    assert first["json"] == {
        "to": "+84905123456",
        "text": "Da Nang phan anh\nDuong Le Loi da duoc sua.\nhttps://hue.sieuapp.test/r/42",
        "sender": "HUE-S",
        "reference": "d-+84905123456",
    }


def test_diacritics_are_kept_when_asked(call_hook, configure_plugin, gateway):
    assert configure_plugin(gateway.config(unaccented=False)).status_code == 200
    deliver(call_hook, message("+84905123456", link=None))
    assert gateway.requests[0]["json"]["text"] == "Đà Nẵng phản ánh\nĐường Lê Lợi đã được sửa."


def test_a_long_text_is_trimmed_to_the_parts_paid_for(call_hook, configure_plugin, gateway):
    assert configure_plugin(gateway.config(max_parts=2)).status_code == 200
    long = message("+84905123456", body="Mưa lớn kéo dài ở phường Phú Hội. " * 30)

    deliver(call_hook, long)

    text = gateway.requests[0]["json"]["text"]
    assert parts(text) == 2
    assert text.startswith("Da Nang phan anh\nMua lon keo dai")
    assert text.endswith("...\nhttps://hue.sieuapp.test/r/42")


@pytest.mark.parametrize(
    ("status", "payload", "expected"),
    [
        (400, {"error": "invalid destination"}, "failed"),
        (403, {"message": "brandname not registered"}, "failed"),
        (404, b"no such route", "failed"),
        (500, {"error": "internal"}, "retry"),
        (503, b"<html>maintenance</html>", "retry"),
    ],
)
def test_outcomes_by_status(call_hook, configured, status, payload, expected):
    configured.answers["+84905000001"] = (status, payload)

    outcomes = deliver(call_hook, message("+84905000001"), message("+84905000002"))

    assert [o.status for o in outcomes] == [expected, "sent"]
    assert outcomes[0].detail.startswith(f"HTTP {status}: ")
    text = payload.decode() if isinstance(payload, bytes) else next(iter(payload.values()))
    assert text in outcomes[0].detail
    assert len(configured.requests) == 2


def test_rate_limited_holds_back_the_rest_of_the_batch(call_hook, configured):
    configured.answers["+84905000002"] = (429, {"error": "slow down"})
    batch = [message(f"+8490500000{i}") for i in (1, 2, 3, 4)]

    outcomes = deliver(call_hook, *batch)

    assert [o.status for o in outcomes] == ["sent", "retry", "retry", "retry"]
    assert len(configured.requests) == 2


def test_the_key_never_shows_in_a_detail(call_hook, configured):
    configured.answers["+84905000001"] = (401, {"error": f"bad token Bearer {API_KEY}"})
    outcomes = deliver(call_hook, message("+84905000001"))
    assert outcomes[0].status == DeliveryOutcome.FAILED
    assert API_KEY not in outcomes[0].detail
    assert "[key]" in outcomes[0].detail


def test_a_long_error_is_truncated(call_hook, configured):
    configured.answers["+84905000001"] = (422, {"error": "x" * 5000})
    outcomes = deliver(call_hook, message("+84905000001"))
    assert outcomes[0].status == "failed"
    assert len(outcomes[0].detail) <= 200


def test_a_gateway_that_does_not_answer_in_time_means_retry(call_hook, configure_plugin, gateway):
    assert configure_plugin(gateway.config(timeout_seconds=0.2)).status_code == 200
    gateway.answers["+84905000001"] = "sleep"

    outcomes = deliver(call_hook, message("+84905000001"), message("+84905000002"))

    assert [o.status for o in outcomes] == ["retry", "retry"]
    assert "in time" in outcomes[0].detail
    assert len(gateway.requests) == 1


def test_a_gateway_that_is_down_means_retry(call_hook, configure_plugin, gateway):
    down = gateway.config(url="http://127.0.0.1:9/v1/sms")
    assert configure_plugin(down).status_code == 200
    outcomes = deliver(call_hook, message("+84905000001"))
    assert [o.status for o in outcomes] == ["retry"]
    assert "cannot reach the gateway" in outcomes[0].detail


def test_an_address_that_is_not_a_phone_fails_without_a_request(call_hook, configured):
    outcomes = deliver(
        call_hook,
        message("0905123456"),
        message("x", address={"email": "a@b.vn"}),
        message("+84905000001"),
    )
    assert [o.status for o in outcomes] == ["failed", "failed", "sent"]
    assert len(configured.requests) == 1


def test_send_sms_answers(call_hook, configure_plugin, gateway):
    assert call_hook("send_sms", phone="+84905123456", message="Mã xác minh: 123456") is None

    assert configure_plugin(gateway.config()).status_code == 200
    assert call_hook("send_sms", phone="+84905123456", message="Mã xác minh: 123456") is True
    sent = gateway.requests[-1]["json"]
    assert sent["text"] == "Ma xac minh: 123456"
    assert sent["reference"].startswith("sms-")

    gateway.answers["+84905000009"] = (400, {"error": "blocked number"})
    assert call_hook("send_sms", phone="+84905000009", message="Mã xác minh: 654321") is False
    assert call_hook("send_sms", phone="not a phone", message="Mã") is False


def test_other_channels_are_not_ours(call_hook, configured):
    assert call_hook("deliver_notifications", channel="email", messages=[message("+849")]) == []
    assert configured.requests == []


def test_the_channel_and_health_follow_the_configuration(call_hook, configure_plugin, gateway):
    assert call_hook("notification_channels") == []
    assert call_hook("health").ok is False
    assert [o.status for o in deliver(call_hook, message("+84905000001"))] == ["retry"]
    assert gateway.requests == []

    assert configure_plugin(gateway.config()).status_code == 200

    assert call_hook("notification_channels") == [CHANNEL]
    assert CHANNEL.problems() == []
    assert CHANNEL.address_kind == "phone"
    assert call_hook("health").ok is True
