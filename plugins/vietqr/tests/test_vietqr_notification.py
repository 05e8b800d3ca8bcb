"""The connector's notification, apart from the platform: the signature (over the timestamp
and the raw body, in a five-minute window, compared in constant time) and the body's fields."""

from __future__ import annotations

import json

import pytest
from sieuapp_vietqr import notification
from sieuapp_vietqr.notification import BadBody, BadSignature, parse, verify

from .conftest import SECRET, signed

BODY = {
    "reference": "FT24123456789012",
    "amount": 150000,
    "content": "MBVCB.3278907687.PAY01HZX5K9M2Q7R8T4V.CT tu 0011001932418",
    "direction": "in",
    "account_number": "0011001932418",
    "booked_at": "2025-03-25T14:02:37+07:00",
}
NOW = 1_750_000_000


def test_a_signature_made_as_the_readme_says_is_accepted():
    raw, headers = signed(BODY, at=NOW)
    verify(SECRET, headers, raw, NOW)
    verify(SECRET, headers, raw, NOW + 300)  # the window's edges are inside it
    verify(SECRET, headers, raw, NOW - 300)


def test_the_plugin_signs_as_the_readme_says():
    raw, headers = signed(BODY, at=NOW)
    assert notification.sign(SECRET, str(NOW), raw) == headers["X-Signature"]


def test_upper_case_hex_is_the_same_signature():
    raw, headers = signed(BODY, at=NOW)
    headers["X-Signature"] = "sha256=" + headers["X-Signature"][7:].upper()
    verify(SECRET, headers, raw, NOW)


def _refused(headers, raw, now=NOW, secret=SECRET):
    with pytest.raises(BadSignature) as raised:
        verify(secret, headers, raw, now)
    return str(raised.value)


def test_tampered_body_is_refused():
    raw, headers = signed(BODY, at=NOW)
    tampered = raw.replace(b"150000", b"1500000")
    assert "does not match" in _refused(headers, tampered)


def test_a_body_reserialized_is_not_the_body_signed():
    # The signature is over the bytes sent: parsing and dumping again changes them.
    raw, headers = signed(json.dumps(BODY, indent=2).encode(), at=NOW)
    assert "does not match" in _refused(headers, json.dumps(BODY).encode())


def test_another_secret_is_refused():
    raw, headers = signed(BODY, secret="x" * 64, at=NOW)
    assert "does not match" in _refused(headers, raw)


def test_a_replay_with_a_fresh_timestamp_is_refused():
    # The timestamp is signed: moving it forward to get back inside the window breaks it.
    raw, headers = signed(BODY, at=NOW - 3600)
    headers["X-Timestamp"] = str(NOW)
    assert "does not match" in _refused(headers, raw)


@pytest.mark.parametrize("skew", [301, -301, 86_400])
def test_outside_the_window_is_refused(skew):
    raw, headers = signed(BODY, at=NOW - skew)
    assert "seconds from the server's clock" in _refused(headers, raw)


@pytest.mark.parametrize(
    "change",
    [
        {"X-Signature": None},
        {"X-Timestamp": None},
        {"X-Signature": "sha512=" + "0" * 64},
        {"X-Signature": "0" * 64},
        {"X-Signature": "sha256=" + "0" * 63},
        {"X-Signature": "sha256=" + "g" * 64},
        {"X-Timestamp": "2025-03-25T14:02:37Z"},
        {"X-Timestamp": "-1"},
        {"X-Timestamp": "1" * 13},
    ],
)
def test_malformed_headers_are_refused(change):
    raw, headers = signed(BODY, at=NOW)
    for name, value in change.items():
        if value is None:
            del headers[name]
        else:
            headers[name] = value
    _refused(headers, raw)


def test_the_comparison_is_constant_time(monkeypatch):
    compared = []
    real = notification.hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(notification.hmac, "compare_digest", spy)
    raw, headers = signed(BODY, at=NOW)
    verify(SECRET, headers, raw, NOW)
    assert compared == [(headers["X-Signature"][7:], headers["X-Signature"][7:])]


def test_a_notification_is_read():
    event = parse(json.dumps(BODY).encode())
    assert event == notification.Notification(
        reference="FT24123456789012",
        amount=150000,
        content=BODY["content"],
        direction="in",
        account_number="0011001932418",
        booked_at="2025-03-25T14:02:37+07:00",
    )


def test_the_least_a_notification_says():
    event = parse(b'{"reference": "FT1", "amount": 1, "content": "", "extra": {"bank": "VCB"}}')
    assert (event.direction, event.account_number, event.booked_at) == ("in", None, None)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reference": None}, "reference"),
        ({"reference": "  "}, "reference"),
        ({"reference": 123}, "reference"),
        ({"reference": "F" * 101}, "reference"),
        ({"amount": None}, "amount"),
        ({"amount": 0}, "amount"),
        ({"amount": -150000}, "amount"),
        ({"amount": "150000"}, "amount"),
        ({"amount": 150000.5}, "amount"),
        ({"amount": True}, "amount"),
        ({"content": None}, "content"),
        ({"content": ["PAY"]}, "content"),
        ({"content": "x" * 1001}, "content"),
        ({"direction": "credit"}, "direction"),
        ({"account_number": 11001932418}, "account_number"),
    ],
)
def test_a_bad_field_is_named(change, field):
    body = {**BODY, **change}
    body = {k: v for k, v in body.items() if v is not None}
    with pytest.raises(BadBody) as raised:
        parse(json.dumps(body).encode())
    assert list(raised.value.errors) == [field]


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b'"text"', b"\xff\xfe"])
def test_a_body_that_is_not_an_object_is_named(raw):
    with pytest.raises(BadBody) as raised:
        parse(raw)
    assert list(raised.value.errors) == ["body"]
