"""Reading a JSON body field by field, collecting every problem under the field's name, so that
one answer names them all and nothing is written."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from flask import request
from sieuapp.sdk.errors import InvalidInput

from . import texts
from .texts import say


class Body:
    def __init__(self, allowed: Iterable[str], data: Any = None) -> None:
        self.errors: dict[str, list[str]] = {}
        raw = request.get_json(silent=True) if data is None else data
        if raw is None and data is None and not request.get_data():
            raw = {}
        if not isinstance(raw, dict):
            raise InvalidInput(say(texts.INVALID), {"_schema": [say(texts.JSON_OBJECT)]})
        self.data: dict[str, Any] = raw
        for name in sorted(set(raw) - set(allowed)):
            self.fail(name, say(texts.UNKNOWN_FIELD))

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def check(self) -> None:
        if self.errors:
            raise InvalidInput(say(texts.INVALID), self.errors)

    def point(self, name: str, required: bool = True) -> tuple[float, float] | None:
        value = self.data.get(name)
        if value is None:
            if required:
                self.fail(name, say(texts.REQUIRED))
            return None
        if not isinstance(value, dict):
            self.fail(name, say(texts.JSON_OBJECT))
            return None
        lat = coordinate(value.get("lat"), 90)
        lon = coordinate(value.get("lon"), 180)
        if lat is None:
            self.fail(f"{name}.lat", say(texts.LATITUDE))
        if lon is None:
            self.fail(f"{name}.lon", say(texts.LONGITUDE))
        return None if lat is None or lon is None else (lat, lon)

    def text(self, name: str, limit: int, required: bool = False, minimum: int = 1) -> str | None:
        value = self.data.get(name)
        if value is None:
            if required:
                self.fail(name, say(texts.REQUIRED))
            return None
        cleaned = " ".join(value.split()) if isinstance(value, str) else None
        if cleaned is None or not minimum <= len(cleaned) <= limit or "\x00" in cleaned:
            self.fail(name, say(texts.TEXT_LENGTH, limit=limit))
            return None
        return cleaned or None

    def whole(
        self, name: str, low: int, high: int, message: texts.LocalizedText = texts.WHOLE_DONG
    ) -> int | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(name, say(message, low=low, high=high))
            return None
        return value

    def choice(self, name: str, choices: Iterable[str], required: bool = True) -> str | None:
        options = list(choices)
        value = self.data.get(name)
        if value is None and not required:
            return None
        if value not in options:
            self.fail(name, say(texts.REASON, choices=", ".join(options)))
            return None
        return value  # type: ignore[no-any-return]


def coordinate(value: Any, limit: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or not -limit <= value <= limit:
        return None
    return float(value)
