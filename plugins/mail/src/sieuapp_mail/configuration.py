"""What a province configures: its SMTP server, the account the platform signs in with and the
sender citizens see. Every field is optional so the plugin can be enabled before it is set up;
it serves the ``email`` channel once ``host`` and ``from_address`` are set."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sieuapp.sdk import SECRET
from sieuapp.sdk.config import described, is_loopback, timeout_field

SECURITY = ("starttls", "ssl", "none")
HOSTNAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?)+$")


def _host(value: str) -> None:
    try:
        ipaddress.ip_address(value.strip("[]"))
        return
    except ValueError:
        pass
    if not HOSTNAME.match(value):
        raise ValidationError("Must be a host name or an IP address, without scheme or port.")


def _one_line(value: str) -> None:
    # A line break in a header value would let the configuration inject headers.
    if "\r" in value or "\n" in value:
        raise ValidationError("Must be a single line.")


def _ascii(value: str) -> None:
    # smtplib encodes AUTH credentials as ASCII, as most servers expect.
    if not value.isascii() or not value.isprintable():
        raise ValidationError("Must be printable ASCII characters.")


class MailConfig(Schema):
    host = fields.String(
        load_default=None,
        allow_none=True,
        validate=_host,
        metadata=described(
            "Máy chủ SMTP",
            "SMTP server",
            "Tên máy chủ hoặc địa chỉ IP, ví dụ smtp.hue.gov.vn.",
            "Host name or IP address, e.g. smtp.hue.gov.vn.",
        ),
    )
    port = fields.Integer(
        load_default=587,
        validate=validate.Range(min=1, max=65535),
        metadata=described(
            "Cổng", "Port", "587 cho STARTTLS, 465 cho SSL.", "587 for STARTTLS, 465 for SSL."
        ),
    )
    security = fields.String(
        load_default="starttls",
        validate=validate.OneOf(SECURITY, error="Must be one of: {choices}."),
        metadata=described(
            "Bảo mật kết nối",
            "Connection security",
            "starttls, ssl, hoặc none (chỉ với máy chủ trên chính máy này).",
            "starttls, ssl, or none (only to a server on this machine).",
        ),
    )
    username = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(min=1, max=320), _ascii],
        metadata=described(
            "Tên đăng nhập",
            "User name",
            "Để trống nếu máy chủ không yêu cầu.",
            "Empty if the server needs none.",
        ),
    )
    password = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(min=1, max=512), _ascii],
        metadata={
            **SECRET,
            **described(
                "Mật khẩu",
                "Password",
                "Không bao giờ được hiển thị lại sau khi lưu.",
                "Never shown again once saved.",
            ),
        },
    )
    from_address = fields.Email(
        load_default=None,
        allow_none=True,
        metadata=described(
            "Địa chỉ gửi",
            "Sender address",
            "Ví dụ thongbao@hue.gov.vn.",
            "E.g. thongbao@hue.gov.vn.",
        ),
    )
    from_name = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(min=1, max=120), _one_line],
        metadata=described(
            "Tên người gửi",
            "Sender name",
            "Tên người nhận thấy, ví dụ Cổng thông tin Huế.",
            "The name recipients see, e.g. Hue city portal.",
        ),
    )
    timeout_seconds = timeout_field("máy chủ", "the server", most=120)

    @validates_schema
    def _consistent(self, data: dict[str, Any], **kwargs: Any) -> None:
        problems: dict[str, list[str]] = {}
        host = data.get("host")
        if data.get("security") == "none" and host and not is_loopback(host):
            problems["security"] = ["'none' sends mail and password in clear: loopback hosts only."]
        if host and not data.get("from_address"):
            problems["from_address"] = ["Required when a host is set."]
        if data.get("from_address") and not host:
            problems["host"] = ["Required when a sender address is set."]
        if data.get("password") and not data.get("username"):
            problems["username"] = ["Required when a password is set."]
        if problems:
            raise ValidationError(problems)


def is_configured(config: dict[str, Any]) -> bool:
    """True when the stored configuration is enough to send."""
    return bool(config.get("host") and config.get("from_address"))
