"""``sieuapp.sdk.config``: the checks plugins' configuration schemas share."""

from __future__ import annotations

import pytest
from marshmallow import Schema, ValidationError, fields, validates_schema
from sieuapp.sdk.config import (
    described,
    https_url,
    is_loopback,
    required_together,
    timeout_field,
    visible_ascii,
)


class Gateway(Schema):
    url = fields.String(
        load_default=None, validate=https_url, metadata=described("a", "b", "c", "d")
    )
    key = fields.String(load_default=None, validate=visible_ascii)
    timeout_seconds = timeout_field("cổng", "the gateway")

    @validates_schema
    def _together(self, data, **kwargs):
        required_together(data, "url", "key")


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST.", "127.0.0.1", "127.8.0.1", "::1", "[::1]"]
)
def test_loopback_hosts(host):
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host", ["10.0.0.1", "example.vn", "localhost.example.vn", "[2001:db8::1]"]
)
def test_other_hosts(host):
    assert not is_loopback(host)


@pytest.mark.parametrize(
    "url",
    [
        "https://sms.hue.gov.vn/v1",
        "http://127.0.0.1:8089/pay",
        "http://[::1]/x",
        "http://localhost/",
    ],
)
def test_urls_taken(url):
    assert Gateway().load({"url": url, "key": "k-123"})["url"] == url


@pytest.mark.parametrize(
    "url",
    [
        "http://sms.hue.gov.vn/v1",
        "ftp://sms.hue.gov.vn/",
        "/relative",
        "https://user:pw@sms.hue.gov.vn/",
        "https://sms.hue.gov.vn/#frag",
    ],
)
def test_urls_refused_name_the_field(url):
    with pytest.raises(ValidationError) as refused:
        Gateway().load({"url": url, "key": "k-123"})
    assert set(refused.value.messages) == {"url"}


@pytest.mark.parametrize("key", ["có dấu", "two words", "tab\there"])
def test_keys_must_be_visible_ascii(key):
    with pytest.raises(ValidationError) as refused:
        Gateway().load({"url": "https://x.vn/", "key": key})
    assert set(refused.value.messages) == {"key"}


def test_fields_set_together_or_not_at_all():
    assert Gateway().load({})["url"] is None
    with pytest.raises(ValidationError) as refused:
        Gateway().load({"url": "https://x.vn/"})
    assert refused.value.messages == {"key": ["Required once url is set."]}
    with pytest.raises(ValidationError) as refused:
        Gateway().load({"key": "k-1"})
    assert refused.value.messages == {"url": ["Required once key is set."]}


def test_the_timeout_field_is_bounded_and_described():
    assert Gateway().load({})["timeout_seconds"] == 10.0
    with pytest.raises(ValidationError):
        Gateway().load({"timeout_seconds": 61})
    metadata = Gateway().fields["timeout_seconds"].metadata
    assert metadata["label"] == {"vi": "Thời gian chờ (giây)", "en": "Timeout (seconds)"}
    assert metadata["description"]["en"] == "How long to wait for the gateway to answer."
