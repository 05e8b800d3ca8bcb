"""Building blocks for a plugin's configuration schema (``Manifest.config_schema``): the words
the province's console shows for a field, and the checks most gateway settings need.

    from marshmallow import Schema, fields, validate
    from sieuapp.sdk import SECRET
    from sieuapp.sdk.config import described, https_url, required_together, visible_ascii

    class GatewayConfig(Schema):
        url = fields.String(load_default=None, allow_none=True, validate=https_url,
                            metadata=described("Địa chỉ cổng", "Gateway URL",
                                               "Do nhà cung cấp cấp.", "From the provider."))
        api_key = fields.String(load_default=None, allow_none=True, validate=visible_ascii,
                                metadata={**SECRET, **described(...)})

        @validates_schema
        def _together(self, data, **kwargs):
            required_together(data, "url", "api_key")
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from marshmallow import ValidationError, fields, validate


def described(label_vi: str, label_en: str, help_vi: str, help_en: str) -> dict[str, Any]:
    """A field's ``metadata``: its label and its help text, in Vietnamese and English."""
    return {
        "label": {"vi": label_vi, "en": label_en},
        "description": {"vi": help_vi, "en": help_en},
    }


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (``[::1]`` too): this machine, the only
    place a plugin may talk to without TLS (a simulator, a local relay)."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def https_url(value: str) -> None:
    """An absolute https URL (plain http only to this machine), without credentials, which
    belong in a secret field, or a fragment, which no server sees."""
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError("Must be an absolute https URL.")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ValidationError("Must use https; plain http only to a server on this machine.")
    if parts.username or parts.password or parts.fragment:
        raise ValidationError("Must not carry credentials or a fragment.")


def visible_ascii(value: str) -> None:
    """Visible ASCII without spaces: what survives an HTTP header, a signature's key or a
    partner's console unchanged."""
    if not value.isascii() or not value.isprintable() or " " in value:
        raise ValidationError("Must be visible ASCII characters, without spaces.")


def required_together(data: Mapping[str, Any], *names: str) -> None:
    """For a ``validates_schema``: once one of ``names`` is set, all must be; the error names
    each missing field."""
    given = [name for name in names if data.get(name) not in (None, "")]
    if not given:
        return
    missing = {
        name: [f"Required once {given[0]} is set."]
        for name in names
        if data.get(name) in (None, "")
    }
    if missing:
        raise ValidationError(missing)


def timeout_field(
    waits_for_vi: str, waits_for_en: str, default: float = 10.0, most: float = 60.0
) -> fields.Float:
    """``timeout_seconds``: how long to wait for the gateway (named in both languages)."""
    return fields.Float(
        load_default=default,
        validate=validate.Range(min=0.1, max=most),
        metadata=described(
            "Thời gian chờ (giây)",
            "Timeout (seconds)",
            f"Chờ {waits_for_vi} trả lời tối đa bao lâu.",
            f"How long to wait for {waits_for_en} to answer.",
        ),
    )
