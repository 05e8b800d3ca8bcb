"""Accepting a new report, from any channel: validate everything, then write once."""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from flask import has_request_context
from sieuapp.sdk import LocalizedText, Role
from sieuapp.sdk.errors import InvalidInput
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..tenancy.models import AdministrativeUnit
from ..text import fold
from ..web.i18n import request_language
from . import geo, lifecycle, routing
from .access import Actor
from .models import Report, ReportAttribute, ReportCategory, ReportPhoto

CHANNELS = ("app", "web", "hotline", "open311")
DESCRIPTION_MIN = 3
DESCRIPTION_MAX = 5000
STRING_MAX = 500
TEXT_MAX = 5000
#: More photos than this make a report no clearer, and each one is kept twice.
MAX_PHOTOS = 5

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
# Vietnamese and international numbers as people type them: digits, spaces, dots, dashes.
PHONE = re.compile(r"^\+?[0-9][0-9 .\-]{6,18}[0-9]$")
URL = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)

INVALID = LocalizedText(
    "Phản ánh có trường không hợp lệ.", "Some fields of the report are invalid."
)

Errors = dict[str, list[str]]


def _message() -> str:
    return INVALID.get(request_language() if has_request_context() else "vi")


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _renamed(errors: Errors, fields: Mapping[str, str] | None) -> Errors:
    if not fields:
        return errors
    return {fields.get(name, name): messages for name, messages in errors.items()}


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _coordinate(raw: Any, name: str, limit: float, errors: Errors) -> float | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        _add(errors, name, "Must be a number.")
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        _add(errors, name, "Must be a number.")
        return None
    if not math.isfinite(value) or not -limit <= value <= limit:
        _add(errors, name, f"Must be between -{limit:g} and {limit:g}.")
        return None
    return value


# -- attributes --------------------------------------------------------------------------------


def _empty(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str | list | tuple) and not len(value))
        or (isinstance(value, str) and not value.strip())
    )


def _keys(attribute: ReportAttribute) -> set[str]:
    return {str(v.get("key")) for v in attribute.values or () if v.get("key") is not None}


def _one_value(attribute: ReportAttribute, value: Any) -> tuple[Any, str | None]:
    """The answer as stored, or the reason it is refused."""
    kind = attribute.datatype
    if kind in ("string", "text"):
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            return None, "Must be text."
        text = str(value).strip()
        limit = STRING_MAX if kind == "string" else TEXT_MAX
        if len(text) > limit:
            return None, f"At most {limit} characters."
        return text, None
    if kind == "number":
        if isinstance(value, bool):
            return None, "Must be a number."
        try:
            number = float(str(value).strip()) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            return None, "Must be a number."
        if not math.isfinite(number):
            return None, "Must be a number."
        return (int(number) if number.is_integer() else number), None
    if kind == "datetime":
        if not isinstance(value, str):
            return None, "Must be an ISO 8601 date and time."
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None, "Must be an ISO 8601 date and time."
        return parsed.isoformat(), None
    if kind == "singlevaluelist":
        if isinstance(value, list | tuple) and len(value) == 1:
            value = value[0]
        if not isinstance(value, str | int) or isinstance(value, bool):
            return None, "Must be one of the listed keys."
        key = str(value).strip()
        if key not in _keys(attribute):
            return None, f"{key!r} is not one of: {', '.join(sorted(_keys(attribute)))}."
        return key, None
    if kind == "multivaluelist":
        # Form-encoded clients send one key as a plain value.
        items = [value] if isinstance(value, str | int) and not isinstance(value, bool) else value
        if not isinstance(items, list | tuple) or not all(
            isinstance(i, str | int) and not isinstance(i, bool) for i in items
        ):
            return None, "Must be a list of the listed keys."
        chosen = list(dict.fromkeys(str(i).strip() for i in items))
        unknown = [k for k in chosen if k not in _keys(attribute)]
        if unknown:
            return None, f"Not among the listed keys: {', '.join(map(repr, unknown))}."
        return chosen, None
    return None, f"Unsupported datatype {kind!r}."


def _attribute_errors(
    attributes: Sequence[ReportAttribute], raw: Mapping[str, Any] | None
) -> tuple[dict[str, Any], Errors]:
    values: dict[str, Any] = {}
    errors: Errors = {}
    raw = dict(raw or {})
    by_code = {a.code: a for a in attributes}
    for code in raw:
        attribute = by_code.get(str(code))
        if attribute is None:
            _add(errors, f"attribute[{code}]", "This category asks no such question.")
        elif not attribute.variable and not _empty(raw[code]):
            _add(errors, f"attribute[{code}]", "This is a note; it takes no answer.")
    for attribute in sorted(attributes, key=lambda a: (a.order, a.code)):
        if not attribute.variable:
            continue
        value = raw.get(attribute.code)
        if _empty(value):
            if attribute.required:
                _add(errors, f"attribute[{attribute.code}]", "An answer is required.")
            continue
        answer, problem = _one_value(attribute, value)
        if problem is not None:
            _add(errors, f"attribute[{attribute.code}]", problem)
        elif not _empty(answer) or attribute.datatype == "number":
            values[attribute.code] = answer
        elif attribute.required:
            _add(errors, f"attribute[{attribute.code}]", "An answer is required.")
    return values, errors


def attribute_values(
    category: ReportCategory,
    attributes: Sequence[ReportAttribute],
    raw: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The answers to ``category``'s questions as stored (numbers as numbers, datetimes in ISO
    8601, list keys checked), or InvalidInput naming each refused one ``attribute[<code>]``."""
    values, errors = _attribute_errors([a for a in attributes if a.category_id == category.id], raw)
    if errors:
        raise InvalidInput(_message(), errors)
    return values


def category_attributes(session: Session, category: ReportCategory) -> list[ReportAttribute]:
    return list(
        session.scalars(
            select(ReportAttribute)
            .where(ReportAttribute.category_id == category.id)
            .order_by(ReportAttribute.order, ReportAttribute.code)
        )
    )


# -- the report --------------------------------------------------------------------------------


def _photos(
    session: Session, tenant_id: int, actor: Actor, photo_ids: Iterable[Any], errors: Errors
) -> list[ReportPhoto]:
    raw_ids = list(photo_ids or ())
    if not raw_ids:
        return []
    ids: list[int] = []
    for raw in raw_ids:
        if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).isdigit():
            _add(errors, "photo_ids", f"{raw!r} is not a photo id.")
            return []
        ids.append(int(raw))
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_PHOTOS:
        _add(errors, "photo_ids", f"At most {MAX_PHOTOS} photos per report.")
        return []
    if actor.user_id is None:
        _add(errors, "photo_ids", "Photos are uploaded by a signed-in user.")
        return []
    photos = list(
        session.scalars(
            select(ReportPhoto).where(
                ReportPhoto.tenant_id == tenant_id,
                ReportPhoto.id.in_(ids),
                ReportPhoto.report_id.is_(None),
                ReportPhoto.uploaded_by == actor.user_id,
            )
        )
    )
    found = {p.id for p in photos}
    missing = [i for i in ids if i not in found]
    if missing:
        _add(
            errors,
            "photo_ids",
            f"No unattached photo of yours with id {', '.join(map(str, missing))}.",
        )
        return []
    return sorted(photos, key=lambda p: ids.index(p.id))


def create_report(
    session: Session,
    tenant_id: int,
    actor: Actor,
    *,
    category_code: str,
    description: str,
    channel: str,
    lat: float | str | None = None,
    lon: float | str | None = None,
    address: str | None = None,
    unit_code: str | None = None,
    anonymous: bool = False,
    contact_name: str | None = None,
    contact_email: str | None = None,
    contact_phone: str | None = None,
    attributes: dict[str, Any] | None = None,
    media_url: str | None = None,
    photo_ids: Sequence[int] = (),
    open311_client_id: int | None = None,
    fields: Mapping[str, str] | None = None,
) -> Report:
    """A new report, routed and opened; InvalidInput names every refused field (renamed through
    ``fields``, e.g. ``{"category_code": "service_code", "lon": "long"}``) and nothing is written.

    Field names: category_code, description, channel, lat, lon, location (none of lat/lon,
    address or unit_code given), address, unit_code, contact_name, contact_email, contact_phone,
    media_url, photo_ids, attribute[<code>].
    """
    errors: Errors = {}
    # PostgreSQL cannot store a NUL in text: refused here, by name, rather than failing the
    # insert (SQLite would keep it and break every client reading it back).
    texts = {
        "category_code": category_code,
        "description": description,
        "address": address,
        "unit_code": unit_code,
        "contact_name": contact_name,
        "contact_email": contact_email,
        "contact_phone": contact_phone,
        "media_url": media_url,
        **(
            {f"attribute[{k}]": v for k, v in attributes.items()}
            if isinstance(attributes, Mapping)
            else {}
        ),
    }
    for name, value in texts.items():
        values = value if isinstance(value, list | tuple) else [value]
        if any(isinstance(v, str) and "\x00" in v for v in values):
            _add(errors, name, "Contains a NUL character.")
    if errors:
        raise InvalidInput(_message(), _renamed(errors, fields))

    category = None
    code = _clean(category_code)
    if code is None:
        _add(errors, "category_code", "Choose a category.")
    else:
        category = session.scalar(
            select(ReportCategory).where(
                ReportCategory.tenant_id == tenant_id,
                ReportCategory.code == code,
                ReportCategory.active.is_(True),
            )
        )
        if category is None:
            _add(errors, "category_code", f"No category {code!r} here.")

    text = _clean(description) if isinstance(description, str) else None
    if text is None or len(text) < DESCRIPTION_MIN:
        _add(
            errors, "description", f"Describe the problem in at least {DESCRIPTION_MIN} characters."
        )
    elif len(text) > DESCRIPTION_MAX:
        _add(errors, "description", f"At most {DESCRIPTION_MAX} characters.")

    name = _clean(contact_name)
    email = _clean(contact_email)
    phone = _clean(contact_phone)
    if name is not None and len(name) > 200:
        _add(errors, "contact_name", "At most 200 characters.")
    if email is not None and (len(email) > 254 or not EMAIL.match(email)):
        _add(errors, "contact_email", "Not an e-mail address.")
    if phone is not None and not PHONE.match(phone):
        _add(errors, "contact_phone", "Not a phone number.")

    if channel not in CHANNELS:
        _add(errors, "channel", f"Must be one of: {', '.join(CHANNELS)}.")
    elif channel == "hotline":
        if Role.IOC_OPERATOR.value not in actor.roles:
            _add(errors, "channel", "Only an IOC operator enters hotline reports.")
        elif name is None and phone is None:
            _add(errors, "contact_name", "A hotline report needs the caller's name or phone.")
    elif channel == "open311":
        if open311_client_id is None:
            _add(errors, "channel", "Open311 reports come through a registered client.")
    elif actor.user_id is None:
        _add(errors, "channel", "Sign in to report through the app or the web.")
    if open311_client_id is not None and channel != "open311":
        _add(errors, "channel", "An Open311 client submits on the open311 channel.")

    lat_value = _coordinate(lat, "lat", 90, errors)
    lon_value = _coordinate(lon, "lon", 180, errors)
    lat_given = lat is not None and not (isinstance(lat, str) and not lat.strip())
    lon_given = lon is not None and not (isinstance(lon, str) and not lon.strip())
    if lat_given != lon_given:
        _add(errors, "lon" if lat_given else "lat", "Give both latitude and longitude.")

    place = _clean(address)
    if place is not None and len(place) > 300:
        _add(errors, "address", "At most 300 characters.")
    unit = _clean(unit_code)
    if unit is not None:
        known = session.scalar(
            select(AdministrativeUnit.code).where(
                AdministrativeUnit.tenant_id == tenant_id, AdministrativeUnit.code == unit
            )
        )
        if known is None:
            _add(errors, "unit_code", f"No ward or commune {unit!r} in this province.")
    if not (lat_given or lon_given) and place is None and unit is None:
        _add(errors, "location", "Give the location: coordinates, an address or a ward/commune.")

    media = _clean(media_url)
    if media is not None and (len(media) > 500 or not URL.match(media)):
        _add(errors, "media_url", "Must be an http(s) URL of at most 500 characters.")

    answers: dict[str, Any] = {}
    if category is not None:
        if attributes is not None and not isinstance(attributes, Mapping):
            _add(errors, "attributes", "Must be an object of answers by question code.")
        else:
            answers, problems = _attribute_errors(
                category_attributes(session, category), attributes
            )
            for field, messages in problems.items():
                errors.setdefault(field, []).extend(messages)

    photos = _photos(session, tenant_id, actor, photo_ids, errors)

    if errors:
        raise InvalidInput(_message(), _renamed(errors, fields))
    assert category is not None and text is not None

    if unit is None and lat_value is not None and lon_value is not None:
        unit = geo.locate_unit(session, tenant_id, lat_value, lon_value)
    now = clock.now()
    hotline = channel == "hotline"
    report = Report(
        tenant_id=tenant_id,
        category_id=category.id,
        status="submitted",
        channel=channel,
        reporter_id=None if hotline else actor.user_id,
        anonymous=bool(anonymous),
        contact_name=name,
        contact_email=email,
        contact_phone=phone,
        entered_by=actor.user_id if hotline else None,
        open311_client_id=open311_client_id,
        token=secrets.token_urlsafe(24),
        description=text,
        search_text=fold(" ".join(filter(None, (text, place, category.name, category.name_en)))),
        lat=lat_value,
        lon=lon_value,
        address=place,
        unit_code=unit,
        media_url=media,
        attributes=answers,
        organization_id=routing.route(session, tenant_id, category, unit),
        public=False,
        submitted_at=now,
        updated_at=now,
    )
    session.add(report)
    session.flush()
    for photo in photos:
        photo.report_id = report.id
    lifecycle.open_report(session, report, actor)
    return report
