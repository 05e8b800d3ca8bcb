"""What a province configures: its own hotlines, and the token of a future call-back gateway.

The host validates a tenant's configuration with :class:`HotlinesConfig` before storing it;
errors name the field (``entries.2.number``) and nothing is stored."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sieuapp.sdk import SECRET

from . import phone
from .catalog import CATEGORIES, NATIONAL_NUMBERS

MAX_ENTRIES = 200


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Must not be blank.")


class PhoneNumber(fields.String):
    """A Vietnamese phone number, stored in national form (digits only)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        try:
            return phone.normalize(raw)
        except phone.InvalidPhoneNumber as exc:
            raise ValidationError(str(exc)) from exc


class LocalizedName(Schema):
    vi = fields.String(required=True, validate=[validate.Length(max=120), _not_blank])
    en = fields.String(required=True, validate=[validate.Length(max=120), _not_blank])


class Entry(Schema):
    name = fields.Nested(LocalizedName, required=True)
    number = PhoneNumber(required=True)
    category = fields.String(
        required=True,
        validate=validate.OneOf(list(CATEGORIES), error="Must be one of: {choices}."),
    )


class HotlinesConfig(Schema):
    entries = fields.List(
        fields.Nested(Entry),
        load_default=list,
        validate=validate.Length(max=MAX_ENTRIES),
        metadata={
            "label": {"vi": "Số đường dây nóng của tỉnh", "en": "The province's hotlines"},
            "description": {
                "vi": "Mỗi mục: name {vi, en}, number (số điện thoại Việt Nam), category.",
                "en": "Each entry: name {vi, en}, number (a Vietnamese phone number), category.",
            },
        },
    )
    callback_api_token = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=16, max=512),
        metadata={
            **SECRET,
            "label": {"vi": "Mã truy cập cổng gọi lại", "en": "Call-back gateway API token"},
            "description": {
                "vi": "Dành cho cổng gọi lại sắp có; không bao giờ được hiển thị lại.",
                "en": "For the coming call-back gateway; never shown again once saved.",
            },
        },
    )

    @validates_schema
    def _numbers_unique(self, data: dict[str, Any], **kwargs: Any) -> None:
        # A number listed twice would show twice and make favourites ambiguous.
        problems: dict[int, dict[str, list[str]]] = {}
        seen: dict[str, int] = {}
        for i, entry in enumerate(data.get("entries") or ()):
            number = entry["number"]
            if number in NATIONAL_NUMBERS:
                problems[i] = {"number": [f"{number} is a national number, listed already."]}
            elif number in seen:
                problems[i] = {"number": [f"{number} is listed already, at entry {seen[number]}."]}
            else:
                seen[number] = i
        if problems:
            raise ValidationError({"entries": problems})
