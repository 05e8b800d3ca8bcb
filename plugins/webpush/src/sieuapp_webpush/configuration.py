"""What a province configures: its VAPID private key, the contact the push services see, and
how long to wait for them. The public key is derived from the private key, never stored.

Until a key is set the module is on but serves no channel (``notification_channels`` is
empty), so a province can enable it first and paste its key later."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema
from sieuapp.sdk import SECRET

from .keys import InvalidKey, load_private_key, public_key_of

DEFAULT_TIMEOUT = 10.0
MAILTO = re.compile(r"^mailto:[^@\s/]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def subject_problem(value: str) -> str | None:
    """Why ``value`` is not a VAPID ``sub`` (RFC 8292 §2.1), or None."""
    if MAILTO.match(value):
        return None
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.hostname and "." in parts.hostname:
        return None
    return "Must be a mailto: address or an https: URL where the push service can reach you."


class WebPushConfig(Schema):
    vapid_private_key = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=4096),
        metadata={
            **SECRET,
            "label": {"vi": "Khoá riêng VAPID", "en": "VAPID private key"},
            "description": {
                "vi": "Khoá P-256 dạng PEM (hoặc base64url); tạo bằng "
                "'python -m sieuapp_webpush.keys'. Không bao giờ được hiển thị lại.",
                "en": "A P-256 key as PEM (or base64url); make one with "
                "'python -m sieuapp_webpush.keys'. Never shown again once saved.",
            },
        },
    )
    subject = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=255),
        metadata={
            "label": {"vi": "Địa chỉ liên hệ", "en": "Contact"},
            "description": {
                "vi": "mailto: hoặc https: để dịch vụ đẩy liên hệ khi có sự cố.",
                "en": "mailto: or https: for the push services to contact you about problems.",
            },
        },
    )
    timeout_seconds = fields.Float(
        load_default=DEFAULT_TIMEOUT,
        validate=validate.Range(min=1, max=60),
        metadata={
            "label": {"vi": "Thời gian chờ (giây)", "en": "Timeout (seconds)"},
            "description": {
                "vi": "Chờ dịch vụ đẩy trả lời bao lâu trước khi thử lại sau.",
                "en": "How long to wait for a push service before trying again later.",
            },
        },
    )

    @validates("vapid_private_key")
    def _key_parses(self, value: str | None, **kwargs: Any) -> None:
        if value is None:
            return
        try:
            load_private_key(value)
        except InvalidKey as exc:
            raise ValidationError(str(exc)) from None

    @validates("subject")
    def _subject_is_contact(self, value: str | None, **kwargs: Any) -> None:
        problem = subject_problem(value) if value is not None else None
        if problem:
            raise ValidationError(problem)

    @validates_schema
    def _key_needs_subject(self, data: dict[str, Any], **kwargs: Any) -> None:
        # Both may be left empty so a province can enable the module before it has keys;
        # a key without a contact would be refused by the push services (RFC 8292 §2.1).
        if data.get("vapid_private_key") and not data.get("subject"):
            raise ValidationError({"subject": ["Required with a VAPID private key."]})


@dataclass(frozen=True)
class PushSettings:
    """A tenant's usable configuration: the parsed key and what goes with it."""

    key: ec.EllipticCurvePrivateKey = field(repr=False)
    public_key: str
    subject: str
    timeout: float


def push_settings(config: dict[str, Any]) -> PushSettings | None:
    """The settings when the tenant's configuration has a readable key and a subject."""
    raw = config.get("vapid_private_key")
    subject = config.get("subject")
    if not raw or not subject:
        return None
    try:
        key = load_private_key(raw)
    except InvalidKey:
        return None
    timeout = float(config.get("timeout_seconds") or DEFAULT_TIMEOUT)
    return PushSettings(key=key, public_key=public_key_of(key), subject=subject, timeout=timeout)
