"""What a province configures: where its gateway (or the adapter in front of it) listens, the
key, the brandname and how texts are shaped. Every field is optional so the plugin can be
enabled before it is set up; it serves the ``sms`` channel once ``url`` and ``api_key`` are set."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate, validates_schema
from sieuapp.sdk import SECRET
from sieuapp.sdk.config import (
    described,
    https_url,
    required_together,
    timeout_field,
    visible_ascii,
)


class GatewayConfig(Schema):
    url = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(max=2000), https_url],
        metadata=described(
            "Địa chỉ cổng SMS",
            "Gateway URL",
            "Địa chỉ https nhận yêu cầu gửi tin (xem README của plugin).",
            "The https address that takes send requests (see the plugin's README).",
        ),
    )
    api_key = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(min=8, max=1024), visible_ascii],
        metadata={
            **SECRET,
            **described(
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
        metadata=described(
            "Tên thương hiệu (brandname)",
            "Sender name (brandname)",
            "Tên đã đăng ký với nhà mạng, ví dụ HUE-S.",
            "The name registered with the carriers, e.g. HUE-S.",
        ),
    )
    unaccented = fields.Boolean(
        load_default=True,
        metadata=described(
            "Gửi không dấu",
            "Send without diacritics",
            "Bỏ dấu tiếng Việt: tin có dấu tính 70 ký tự mỗi phần thay vì 160.",
            "Strip Vietnamese diacritics: accented text costs a part per 70 characters, not 160.",
        ),
    )
    max_parts = fields.Integer(
        load_default=3,
        validate=validate.Range(min=1, max=10),
        metadata=described(
            "Số phần tối đa",
            "Maximum parts",
            "Tin dài hơn được cắt ngắn cho vừa.",
            "Longer texts are shortened to fit.",
        ),
    )
    timeout_seconds = timeout_field("cổng SMS", "the gateway")

    @validates_schema
    def _consistent(self, data: dict[str, Any], **kwargs: Any) -> None:
        required_together(data, "url", "api_key")


def is_configured(config: dict[str, Any]) -> bool:
    """True when the stored configuration is enough to send."""
    return bool(config.get("url") and config.get("api_key"))
