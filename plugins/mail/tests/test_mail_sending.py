"""Sending through a real SMTP server on loopback: headers, parts, and an outcome per message."""

from __future__ import annotations

import email
from email import policy

import pytest
from sieuapp.sdk import DeliveryOutcome
from sieuapp_mail.about import CHANNEL

from .conftest import PASSWORD, USERNAME, free_port, message

# The loopback test server asks for AUTH without TLS on purpose; aiosmtpd warns about it.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def parsed(received: dict) -> email.message.EmailMessage:
    return email.message_from_bytes(received["content"], policy=policy.default)


@pytest.fixture
def configured(configure_plugin, smtp_server):
    response = configure_plugin(smtp_server.config(username=USERNAME, password=PASSWORD))
    assert response.status_code == 200, response.get_json()
    return smtp_server


def test_a_batch_goes_over_one_signed_in_connection(call_hook, configured):
    batch = [message("an@example.vn"), message("binh@example.vn", language="en")]

    outcomes = call_hook("deliver_notifications", channel="email", messages=batch)

    assert [(o.message_id, o.status) for o in outcomes] == [
        ("d-an@example.vn", "sent"),
        ("d-binh@example.vn", "sent"),
    ]
    assert [o.detail for o in outcomes] == [
        "2.0.0 Ok: queued as Q0001",
        "2.0.0 Ok: queued as Q0002",
    ]
    assert configured.mailbox.logins == [USERNAME]
    assert [r["to"] for r in configured.mailbox.received] == [
        ["an@example.vn"],
        ["binh@example.vn"],
    ]
    assert {r["from"] for r in configured.mailbox.received} == {"thongbao@hue.gov.vn"}


def test_headers_and_both_parts(call_hook, configured):
    sent = message("an@example.vn")
    call_hook("deliver_notifications", channel="email", messages=[sent])

    raw = configured.mailbox.received[0]["content"]
    assert raw.isascii()  # every Vietnamese character is encoded, for any relay
    mail = parsed(configured.mailbox.received[0])
    assert mail["Subject"] == "Phản ánh của bạn đã được xử lý"
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n")[0]
    assert mail["From"].addresses[0].display_name == "Cổng thông tin Thừa Thiên Huế"
    assert mail["From"].addresses[0].addr_spec == "thongbao@hue.gov.vn"
    assert mail["To"] == "an@example.vn"
    assert mail["Message-ID"] == "<sieuapp.d-an-example.vn@hue.gov.vn>"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Content-Language"] == "vi"
    assert mail["Date"].datetime is not None

    assert mail.get_content_type() == "multipart/alternative"
    plain = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = mail.get_body(("html",)).get_content()
    assert plain.startswith(sent.body)
    assert plain.rstrip().endswith("https://hue.sieuapp.test/reports/42")
    assert "&lt;mới&gt; &amp; kiểm tra" in html
    assert "<mới>" not in html
    assert '<a href="https://hue.sieuapp.test/reports/42">' in html
    assert '<html lang="vi">' in html


def test_a_message_without_link_and_a_link_that_is_not_a_web_page(call_hook, configured):
    batch = [
        message("an@example.vn", link=None),
        message("binh@example.vn", link="javascript:alert(1)"),
    ]
    call_hook("deliver_notifications", channel="email", messages=batch)

    for received in configured.mailbox.received:
        mail = parsed(received)
        assert "javascript" not in mail.get_body(("html",)).get_content()
        assert mail.get_body(("plain",)).get_content().rstrip().endswith("kiểm tra.")


def test_refused_recipients_fail_or_wait_by_the_reply_code(call_hook, configured):
    configured.mailbox.refuse = {
        "nobody@example.vn": "550 5.1.1 No such user",
        "full@example.vn": "451 4.2.0 Mailbox busy, try later",
    }
    batch = [message(a) for a in ("nobody@example.vn", "full@example.vn", "an@example.vn")]

    outcomes = call_hook("deliver_notifications", channel="email", messages=batch)

    assert [o.status for o in outcomes] == [
        DeliveryOutcome.FAILED,
        DeliveryOutcome.RETRY,
        DeliveryOutcome.SENT,
    ]
    assert "550 5.1.1 No such user" in outcomes[0].detail
    assert "451 4.2.0" in outcomes[1].detail
    assert [r["to"] for r in configured.mailbox.received] == [["an@example.vn"]]


def test_an_address_that_is_not_an_email_fails_alone(call_hook, configured):
    batch = [
        message("x", address={"phone": "+84905123456"}),
        message("bad", address={"email": "not an address"}),
        message("an@example.vn"),
    ]
    outcomes = call_hook("deliver_notifications", channel="email", messages=batch)
    assert [o.status for o in outcomes] == ["failed", "failed", "sent"]
    assert len(configured.mailbox.received) == 1


def test_a_refused_sign_in_retries_the_batch_and_never_shows_the_password(
    call_hook, configure_plugin, smtp_server
):
    assert configure_plugin(smtp_server.config(username=USERNAME, password="wrong-" + PASSWORD))
    outcomes = call_hook(
        "deliver_notifications", channel="email", messages=[message("an@example.vn")]
    )

    assert [o.status for o in outcomes] == ["retry"]
    assert "sign-in refused" in outcomes[0].detail
    assert "535" in outcomes[0].detail
    assert PASSWORD not in outcomes[0].detail
    assert smtp_server.mailbox.received == []


def test_a_server_that_is_down_means_retry(call_hook, configure_plugin):
    response = configure_plugin(
        {"host": "127.0.0.1", "port": free_port(), "security": "none", "from_address": "a@hue.vn"}
    )
    assert response.status_code == 200
    batch = [message("an@example.vn"), message("binh@example.vn")]

    outcomes = call_hook("deliver_notifications", channel="email", messages=batch)

    assert [o.status for o in outcomes] == ["retry", "retry"]
    assert "ConnectionRefusedError" in outcomes[0].detail


def test_a_server_that_never_answers_times_out_into_retry(
    call_hook, configure_plugin, silent_server
):
    response = configure_plugin(
        {
            "host": "127.0.0.1",
            "port": silent_server,
            "security": "none",
            "from_address": "a@hue.vn",
            "timeout_seconds": 0.2,
        }
    )
    assert response.status_code == 200
    outcomes = call_hook(
        "deliver_notifications", channel="email", messages=[message("an@example.vn")]
    )
    assert [o.status for o in outcomes] == ["retry"]
    assert "timed out" in outcomes[0].detail


def test_starttls_checks_the_certificate(call_hook, configure_plugin, tls_server):
    config = tls_server.config(security="starttls", username=USERNAME, password=PASSWORD)
    config["host"] = "localhost"
    assert configure_plugin(config).status_code == 200

    outcomes = call_hook(
        "deliver_notifications", channel="email", messages=[message("an@example.vn")]
    )

    assert [o.status for o in outcomes] == ["retry"]
    assert "CERTIFICATE_VERIFY_FAILED" in outcomes[0].detail
    assert tls_server.mailbox.received == []


def test_starttls_with_a_trusted_certificate_sends(
    call_hook, configure_plugin, tls_server, certificate, monkeypatch
):
    # OpenSSL reads SSL_CERT_FILE when a default context loads its trust store: the
    # self-signed certificate becomes the one authority trusted, as a province's own CA would.
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    config = tls_server.config(security="starttls", username=USERNAME, password=PASSWORD)
    config["host"] = "localhost"
    assert configure_plugin(config).status_code == 200

    outcomes = call_hook(
        "deliver_notifications", channel="email", messages=[message("an@example.vn")]
    )

    assert [o.status for o in outcomes] == ["sent"]
    assert tls_server.mailbox.logins == [USERNAME]
    assert len(tls_server.mailbox.received) == 1


def test_other_channels_are_not_ours(call_hook, configured):
    assert call_hook("deliver_notifications", channel="sms", messages=[message("a@b.vn")]) == []
    assert configured.mailbox.received == []


def test_the_channel_and_health_follow_the_configuration(
    call_hook, configure_plugin, smtp_server, admin_client
):
    assert call_hook("notification_channels") == []
    assert call_hook("health").ok is False
    assert "not configured" in call_hook("health").detail
    unsent = call_hook("deliver_notifications", channel="email", messages=[message("a@b.vn")])
    assert [o.status for o in unsent] == ["retry"]

    assert configure_plugin(smtp_server.config()).status_code == 200

    assert call_hook("notification_channels") == [CHANNEL]
    assert CHANNEL.problems() == []
    assert CHANNEL.address_kind == "email"
    assert call_hook("health").ok is True
