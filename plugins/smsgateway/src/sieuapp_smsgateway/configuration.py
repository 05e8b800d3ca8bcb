"""What a province configures: where its gateway (or the adapter in front of it) listens, the
key, the brandname and how texts are shaped. Every field is optional so the plugin can be
enabled before it is set up; it serves the ``sms`` channel once ``url`` and ``api_key`` are set."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sieuapp.sdk import SECRET


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses, the only hosts reached over plain HTTP."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url(value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError("Must be an absolute https URL.")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ValidationError("Must use https; plain http only to a gateway on this machine.")
    if parts.username or parts.password or parts.fragment:
        raise ValidationError("Must not carry credentials or a fragment: the key goes apart.")


def _printable(value: str) -> None:
    # The key travels in an HTTP header, where only visible ASCII is safe.
    if not value.isascii() or not value.isprintable() or " " in value:
        raise ValidationError("Must be visible ASCII characters, without spaces.")


def _label(vi: str, en: str, vi_help: str, en_help: str) -> dict[str, Any]:
    return {"label": {"vi": vi, "en": en}, "description": {"vi": vi_help, "en": en_help}}


class GatewayConfig(Schema):
    url = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(max=2000), _url],
        metadata=_label(
            "Địa chỉ cổng SMS",
            "Gateway URL",
            "Địa chỉ https nhận yêu cầu gửi tin (xem README của plugin).",
            "The https address that takes send requests (see the plugin's README).",
        ),
    )
    api_key = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(min=8, max=1024), _printable],
        metadata={
            **SECRET,
            **_label(
                "Khóa API",
                "API key",
                "Gửi kèm mỗi yêu cầu; không bao giờ được hiển thị lại sau khi lưu.",
                "Sent with every request; never shown again once saved.",
            ),
        },
    )
    sender = fields.String(
        load_default=None,
        allow_none=True,
        # Brandnames registered with the carriers are at most 11 characters of A-Z, 0-9, . -
        validate=validate.Regexp(
            r"^[A-Za-z0-9.\- ]{1,11}$", error="Must be 1-11 letters, digits, spaces, '.' or '-'."
        ),
        metadata=_label(
            "Tên thương hiệu (brandname)",
            "Sender name (brandname)",
            "Tên đã đăng ký với nhà mạng, ví dụ HUE-S.",
            "The name registered with the carriers, e.g. HUE-S.",
        ),
    )
    unaccented = fields.Boolean(
        load_default=True,
        metadata=_label(
            "Gửi không dấu",
            "Send without diacritics",
            "Bỏ dấu tiếng Việt: tin có dấu tính 70 ký tự mỗi phần thay vì 160.",
            "Strip Vietnamese diacritics: accented text costs a part per 70 characters, not 160.",
        ),
    )
    max_parts = fields.Integer(
        load_default=3,
        validate=validate.Range(min=1, max=10),
        metadata=_label(
            "Số phần tối đa",
            "Maximum parts",
            "Tin dài hơn được cắt ngắn cho vừa.",
            "Longer texts are shortened to fit.",
        ),
    )
    timeout_seconds = fields.Float(
        load_default=10.0,
        validate=validate.Range(min=0.1, max=60),
        metadata=_label(
            "Thời gian chờ (giây)",
            "Timeout (seconds)",
            "Chờ cổng SMS trả lời tối đa bao lâu.",
            "How long to wait for the gateway to answer.",
        ),
    )

    @validates_schema
    def _consistent(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("url") and not data.get("api_key"):
            raise ValidationError({"api_key": ["Required when a URL is set."]})
        if data.get("api_key") and not data.get("url"):
            raise ValidationError({"url": ["Required when an API key is set."]})


def is_configured(config: dict[str, Any]) -> bool:
    """True when the stored configuration is enough to send."""
    return bool(config.get("url") and config.get("api_key"))
