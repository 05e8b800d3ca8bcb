"""A firm's fares as data, and what a ride costs by them.

A tariff is an opening fare that covers the first ``opening_km``, then a rate per kilometre for
each distance band (``up_to_km`` of the trip, the last band open-ended), and a rate per minute
of waiting. Vietnamese taxi firms publish exactly this per car size; the meter rounds the total
to the nearest 1,000 đồng, and so do we.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from . import texts
from .texts import say

SEAT_CLASSES = (4, 7)
ROUND_TO = 1000
#: No taxi in Vietnam charges near this; a bigger number is a typing mistake.
MAX_RATE = 1_000_000
FIELDS = frozenset({"opening_fare", "opening_km", "bands", "waiting_per_minute"})
#: The estimate's allowance for streets not being straight lines: a typical urban detour index.
DETOUR = 1.3


@dataclass(frozen=True)
class Band:
    up_to_km: float | None
    per_km: int


@dataclass(frozen=True)
class Fares:
    opening_fare: int
    opening_km: float
    bands: tuple[Band, ...]
    waiting_per_minute: int

    def price(self, distance_m: float, waiting_s: float = 0) -> int:
        """The fare for a trip of ``distance_m`` with ``waiting_s`` of waiting, in đồng."""
        km = max(distance_m, 0) / 1000
        total = float(self.opening_fare)
        done = self.opening_km
        for band in self.bands:
            if km <= done:
                break
            end = km if band.up_to_km is None else min(km, band.up_to_km)
            if end > done:
                total += (end - done) * band.per_km
                done = end
        total += max(waiting_s, 0) / 60 * self.waiting_per_minute
        return int((total + ROUND_TO / 2) // ROUND_TO * ROUND_TO)

    def bands_json(self) -> str:
        return json.dumps([{"up_to_km": b.up_to_km, "per_km": b.per_km} for b in self.bands])

    def to_json(self) -> str:
        return json.dumps(self.as_dict())

    @classmethod
    def from_json(cls, raw: str) -> Fares:
        data = json.loads(raw)
        return from_row(
            data["opening_fare"],
            data["opening_km"],
            json.dumps(data["bands"]),
            data["waiting_per_minute"],
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "opening_fare": self.opening_fare,
            "opening_km": self.opening_km,
            "bands": [{"up_to_km": b.up_to_km, "per_km": b.per_km} for b in self.bands],
            "waiting_per_minute": self.waiting_per_minute,
        }


def _whole(value: Any, name: str, low: int, errors: dict[str, list[str]]) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_RATE:
        errors.setdefault(name, []).append(say(texts.WHOLE_DONG, low=low, high=f"{MAX_RATE:,}"))
        return None
    return value


def _km(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return None
    return float(value)


def parse(body: Any) -> tuple[Fares | None, dict[str, list[str]]]:
    """A tariff from a JSON body, or every problem with it by field name."""
    errors: dict[str, list[str]] = {}
    if not isinstance(body, dict):
        return None, {"_schema": [say(texts.JSON_OBJECT)]}
    for name in sorted(set(body) - FIELDS):
        errors[name] = [say(texts.UNKNOWN_FIELD)]
    opening = _whole(body.get("opening_fare"), "opening_fare", 0, errors)
    waiting = _whole(body.get("waiting_per_minute"), "waiting_per_minute", 0, errors)
    opening_km = _km(body.get("opening_km", 1))
    if opening_km is None or not 0 <= opening_km <= 10:
        errors["opening_km"] = [say(texts.OPENING_KM)]
        opening_km = 0.0
    raw = body.get("bands")
    bands: list[Band] = []
    if not isinstance(raw, list) or not 1 <= len(raw) <= 10:
        errors["bands"] = [say(texts.BANDS)]
        raw = []
    previous = opening_km
    for i, item in enumerate(raw):
        at = f"bands[{i}]"
        if not isinstance(item, dict):
            errors[at] = [say(texts.BAND_OBJECT)]
            continue
        rate = _whole(item.get("per_km"), f"{at}.per_km", 1, errors)
        last = i == len(raw) - 1
        up_to = _km(item.get("up_to_km"))
        if last and item.get("up_to_km") is not None:
            errors[f"{at}.up_to_km"] = [say(texts.LAST_BAND)]
        elif not last and (up_to is None or up_to <= previous or up_to > 1000):
            errors[f"{at}.up_to_km"] = [say(texts.BAND_ORDER, km=f"{previous:g}")]
        elif not last:
            previous = up_to  # type: ignore[assignment]
        if rate is not None:
            bands.append(Band(None if last else up_to, rate))
    if errors:
        return None, errors
    assert opening is not None and waiting is not None
    return Fares(opening, opening_km, tuple(bands), waiting), {}


def from_row(opening_fare: int, opening_km: float, bands: str, waiting: int) -> Fares:
    return Fares(
        opening_fare,
        opening_km,
        tuple(Band(b["up_to_km"], b["per_km"]) for b in json.loads(bands)),
        waiting,
    )
