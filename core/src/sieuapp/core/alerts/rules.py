"""The CAP 1.2 rules the XSD does not enforce, checked on a message in the composer's JSON shape.

Used when an alert is composed or edited here and when one is imported or written as XML, so a
message this platform holds is always one a CAP consumer accepts. The answer names each field by
its path in that shape (``areas[0].polygons[1]``), as the API's 422 does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from ..clock import ZONE

STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")
MSG_TYPES = ("Alert", "Update", "Cancel", "Ack", "Error")
SCOPES = ("Public", "Restricted", "Private")
CATEGORIES = (
    "Geo",
    "Met",
    "Safety",
    "Security",
    "Rescue",
    "Fire",
    "Health",
    "Env",
    "Transport",
    "Infra",
    "CBRNE",
    "Other",
)
RESPONSE_TYPES = (
    "Shelter",
    "Evacuate",
    "Prepare",
    "Execute",
    "Avoid",
    "Monitor",
    "Assess",
    "AllClear",
    "None",
)
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")

#: CAP's dateTime: seconds, no fraction, a numeric offset (the API also takes ``Z``).
CAP_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[+-]\d\d:\d\d|Z)$")
#: Characters CAP forbids in an identifier or a sender (besides whitespace).
FORBIDDEN = re.compile(r"[\s,<&]")
TIME_FIELDS = ("sent", "effective", "onset", "expires")

Problems = dict[str, list[str]]


def _add(problems: Problems, path: str, message: str) -> None:
    problems.setdefault(path, []).append(message)


def parse_time(value: Any) -> datetime | None:
    """A CAP time (string or aware datetime) as a datetime; None when absent or malformed."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else None
    if not isinstance(value, str) or not CAP_TIME.match(value):
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _time_problem(value: Any) -> str | None:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return "A time needs a timezone offset, e.g. 2026-03-02T09:00:00+07:00."
        if value.microsecond:
            return "CAP times have no fractional seconds."
        return None
    if not isinstance(value, str):
        return "Not a time."
    if re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+", value):
        return "CAP times have no fractional seconds."
    if not CAP_TIME.match(value):
        return "A time is YYYY-MM-DDThh:mm:ss with a timezone offset, e.g. +07:00."
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return "Not a valid date and time."
    return None


def _safe_name(problems: Problems, path: str, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not value:
        _add(problems, path, "Required.")
    elif FORBIDDEN.search(value):
        _add(problems, path, "No spaces, commas, '<' or '&' are allowed.")


def _enum(problems: Problems, path: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        _add(problems, path, f"Must be one of: {', '.join(allowed)} (spelled as CAP spells it).")


def _enum_list(
    problems: Problems, path: str, values: Any, allowed: tuple[str, ...], required: bool
) -> None:
    if not isinstance(values, list | tuple):
        _add(problems, path, "A list of values.")
        return
    if required and not values:
        _add(problems, path, "At least one value.")
    for i, value in enumerate(values):
        _enum(problems, f"{path}[{i}]", value, allowed)
    if len(set(values)) != len(values):
        _add(problems, path, "A value is repeated.")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _point_problem(point: Any) -> str | None:
    if not isinstance(point, list | tuple) or len(point) != 2:
        return "A point is [lat, lon]."
    lat, lon = point
    if not (_is_number(lat) and _is_number(lon)):
        return "A point is [lat, lon] as numbers."
    if not -90 <= lat <= 90:
        return "Latitude must be between -90 and 90."
    if not -180 <= lon <= 180:
        return "Longitude must be between -180 and 180."
    return None


def _polygons(problems: Problems, path: str, polygons: Any) -> None:
    if not isinstance(polygons, list | tuple):
        _add(problems, path, "A list of polygons.")
        return
    for i, ring in enumerate(polygons):
        where = f"{path}[{i}]"
        if not isinstance(ring, list | tuple) or len(ring) < 4:
            _add(problems, where, "A polygon needs at least 4 points, the first repeated last.")
            continue
        bad = [(j, p) for j, p in ((j, _point_problem(p)) for j, p in enumerate(ring)) if p]
        for j, message in bad:
            _add(problems, f"{where}[{j}]", message)
        if not bad and [float(v) for v in ring[0]] != [float(v) for v in ring[-1]]:
            _add(problems, where, "A polygon must be closed: its last point repeats its first.")


def _circles(problems: Problems, path: str, circles: Any) -> None:
    if not isinstance(circles, list | tuple):
        _add(problems, path, "A list of circles.")
        return
    for i, circle in enumerate(circles):
        where = f"{path}[{i}]"
        if not isinstance(circle, Mapping):
            _add(problems, where, "A circle is {lat, lon, radius_km}.")
            continue
        message = _point_problem([circle.get("lat"), circle.get("lon")])
        if message:
            _add(problems, where, message)
        radius = circle.get("radius_km")
        # 0 is a point: CAP 1.2's own example of an earthquake report is one (Appendix A.3).
        if not _is_number(radius) or radius < 0:
            _add(problems, f"{where}.radius_km", "The radius is in km, 0 or more.")


def _area(problems: Problems, path: str, area: Any) -> None:
    if not isinstance(area, Mapping):
        _add(problems, path, "An area is an object.")
        return
    if not str(area.get("area_desc") or "").strip():
        _add(problems, f"{path}.area_desc", "Required.")
    _polygons(problems, f"{path}.polygons", area.get("polygons") or [])
    _circles(problems, f"{path}.circles", area.get("circles") or [])
    altitude, ceiling = area.get("altitude"), area.get("ceiling")
    if ceiling is not None and altitude is None:
        _add(problems, f"{path}.ceiling", "A ceiling is given only with an altitude.")
    elif _is_number(altitude) and _is_number(ceiling) and ceiling < altitude:
        _add(problems, f"{path}.ceiling", "The ceiling must not be below the altitude.")


def _references(problems: Problems, msg_type: Any, references: Any) -> None:
    if msg_type in ("Update", "Cancel", "Ack", "Error") and not references:
        _add(problems, "references", f"A {msg_type} message references the message(s) it follows.")
    if not references:
        return
    if not isinstance(references, str):
        _add(problems, "references", "Space-separated sender,identifier,sent triples.")
        return
    for triple in references.split():
        parts = triple.split(",")
        if len(parts) != 3 or not all(parts[:2]) or _time_problem(parts[2]) is not None:
            _add(problems, "references", f"{triple!r} is not sender,identifier,sent.")


def _times(problems: Problems, data: Mapping[str, Any]) -> None:
    for name in TIME_FIELDS:
        value = data.get(name)
        if value is None or value == "":
            continue
        message = _time_problem(value)
        if message:
            _add(problems, name, message)
    expires = parse_time(data.get("expires"))
    if expires is None:
        return
    for name in ("effective", "onset"):
        start = parse_time(data.get(name))
        if start is not None and expires <= start:
            _add(problems, "expires", f"Must be after {name}.")


def _scope(problems: Problems, data: Mapping[str, Any]) -> None:
    scope = data.get("scope", "Public")
    _enum(problems, "scope", scope, SCOPES)
    restriction, addresses = data.get("restriction"), data.get("addresses")
    if scope == "Restricted" and not restriction:
        _add(problems, "restriction", "Required when the scope is Restricted.")
    if scope != "Restricted" and restriction:
        _add(problems, "restriction", "Given only when the scope is Restricted.")
    if scope == "Private" and not addresses:
        _add(problems, "addresses", "Required when the scope is Private.")
    if scope != "Private" and addresses:
        _add(problems, "addresses", "Given only when the scope is Private.")


def problems(data: Mapping[str, Any], *, areas_required: bool = True) -> Problems:
    """What makes the message (composer JSON shape plus ``identifier``, ``sender``, ``sent``,
    ``msg_type`` and ``references`` when known) break CAP 1.2, by field path; empty if none."""
    found: Problems = {}
    for name in ("identifier", "sender"):
        _safe_name(found, name, data.get(name))
    _enum(found, "status", data.get("status", "Actual"), STATUSES)
    msg_type = data.get("msg_type", "Alert")
    _enum(found, "msg_type", msg_type, MSG_TYPES)
    _scope(found, data)
    _references(found, msg_type, data.get("references"))
    _times(found, data)
    _enum_list(found, "category", data.get("category"), CATEGORIES, required=True)
    _enum_list(found, "response_type", data.get("response_type") or [], RESPONSE_TYPES, False)
    _enum(found, "urgency", data.get("urgency"), URGENCIES)
    _enum(found, "severity", data.get("severity"), SEVERITIES)
    _enum(found, "certainty", data.get("certainty"), CERTAINTIES)
    if not str(data.get("event") or "").strip():
        _add(found, "event", "Required.")
    areas = data.get("areas") or []
    if areas_required and not areas:
        _add(found, "areas", "At least one area.")
    for i, area in enumerate(areas if isinstance(areas, list | tuple) else []):
        _area(found, f"areas[{i}]", area)
    return found


def reference(sender: str, identifier: str, sent: datetime) -> str:
    """The ``sender,identifier,sent`` triple naming one message."""
    return f"{sender},{identifier},{cap_time(sent)}"


def cap_time(moment: datetime) -> str:
    """A time as CAP writes it: Huế's offset, whole seconds."""
    return moment.astimezone(ZONE).replace(microsecond=0).isoformat()


def joined(values: Iterable[str]) -> str:
    """A CAP list (category, responseType) as the model stores it."""
    return " ".join(values)
