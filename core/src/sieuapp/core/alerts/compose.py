"""Composing an alert: the JSON shape an operator (or a CAP import) fills in, checked against
CAP 1.2 and the tenant's units, and written as a draft.

The sender of a message composed here is the tenant's host name (``hue.sieuapp.vn``): CAP
asks for a globally unique sender, and the domain the province serves its app from is one it
already owns. Identifiers are ``vn.<tenant>.<yyyymmdd>.<random>``, unique without a counter.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

from flask import current_app, has_app_context, has_request_context
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import Conflict, InvalidInput
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..errors import flatten_field_errors
from ..reports.calendar import local_day
from ..tenancy.models import AdministrativeUnit, Tenant
from ..web.i18n import request_language
from . import rules
from .geometry import UNIT_GEOCODE
from .models import Alert, AlertArea

INVALID = LocalizedText("Cảnh báo chưa hợp lệ.", "The alert is not valid.")
NOT_DRAFT = LocalizedText(
    "Chỉ sửa được bản nháp; hãy cập nhật cảnh báo đã phát.",
    "Only a draft can be edited; update a published alert instead.",
)

TEXT = validate.Length(max=20000)
#: The fields of an alert an operator writes, in the order of the JSON shape.
ALERT_FIELDS = (
    "status",
    "scope",
    "restriction",
    "addresses",
    "note",
    "source",
    "category",
    "event",
    "event_en",
    "response_type",
    "urgency",
    "severity",
    "certainty",
    "sender_name",
    "headline",
    "headline_en",
    "description",
    "description_en",
    "instruction",
    "instruction_en",
    "web",
    "contact",
    "effective",
    "onset",
    "expires",
)
LIST_FIELDS = ("category", "response_type")
TIME_FIELDS = ("effective", "onset", "expires")


class CircleIn(Schema):
    class Meta:
        unknown = RAISE

    lat = fields.Float(required=True, allow_nan=False)
    lon = fields.Float(required=True, allow_nan=False)
    radius_km = fields.Float(required=True, allow_nan=False)


class GeocodeIn(Schema):
    class Meta:
        unknown = RAISE

    valueName = fields.String(required=True, validate=validate.Length(min=1, max=100))  # noqa: N815
    value = fields.String(required=True, validate=validate.Length(min=1, max=200))


class AreaIn(Schema):
    class Meta:
        unknown = RAISE

    area_desc = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    area_desc_en = fields.String(load_default="", validate=validate.Length(max=2000))
    polygons = fields.List(
        fields.List(fields.List(fields.Float(allow_nan=False))),
        load_default=list,
        metadata={"description": "closed rings of [lat, lon] (CAP order), first point last"},
    )
    circles = fields.List(fields.Nested(CircleIn), load_default=list)
    communes = fields.List(
        fields.String(validate=validate.Length(min=1, max=10)),
        load_default=list,
        metadata={"description": "unit codes of the tenant; the province code for all of it"},
    )
    geocodes = fields.List(fields.Nested(GeocodeIn), load_default=list)
    altitude = fields.Float(load_default=None, allow_none=True, allow_nan=False)
    ceiling = fields.Float(load_default=None, allow_none=True, allow_nan=False)


class AlertIn(Schema):
    """An alert as composed; times are ISO 8601 with an offset (``2026-03-02T09:00:00+07:00``)."""

    class Meta:
        unknown = RAISE

    status = fields.String(load_default="Actual", metadata={"description": "CAP status"})
    scope = fields.String(load_default="Public")
    restriction = fields.String(load_default=None, allow_none=True, validate=TEXT)
    addresses = fields.String(load_default=None, allow_none=True, validate=TEXT)
    note = fields.String(load_default=None, allow_none=True, validate=TEXT)
    source = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    category = fields.List(fields.String(), required=True)
    event = fields.String(required=True, validate=validate.Length(min=1, max=200))
    event_en = fields.String(load_default="", validate=validate.Length(max=200))
    response_type = fields.List(fields.String(), load_default=list)
    urgency = fields.String(required=True)
    severity = fields.String(required=True)
    certainty = fields.String(required=True)
    sender_name = fields.String(load_default="", validate=validate.Length(max=200))
    headline = fields.String(load_default="", validate=validate.Length(max=300))
    headline_en = fields.String(load_default="", validate=validate.Length(max=300))
    description = fields.String(load_default="", validate=TEXT)
    description_en = fields.String(load_default="", validate=TEXT)
    instruction = fields.String(load_default="", validate=TEXT)
    instruction_en = fields.String(load_default="", validate=TEXT)
    web = fields.Url(load_default=None, allow_none=True, validate=validate.Length(max=500))
    contact = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    effective = fields.String(load_default=None, allow_none=True)
    onset = fields.String(load_default=None, allow_none=True)
    expires = fields.String(load_default=None, allow_none=True)
    areas = fields.List(fields.Nested(AreaIn), required=True)


class AlertPatch(AlertIn):
    """The fields to change; the rest stay as they are."""

    class Meta:
        unknown = RAISE


def _invalid(errors: Mapping[str, list[str]]) -> InvalidInput:
    language = request_language() if has_request_context() else "vi"
    return InvalidInput(INVALID.get(language), errors)


def _cap_path(path: str) -> str:
    """Marshmallow's ``areas.0.polygons.1`` as ``areas[0].polygons[1]``, the rules' spelling."""
    return re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", path)


def load(data: Any, *, partial: bool = False, schema: type[Schema] | None = None) -> dict[str, Any]:
    """``data`` checked against the schema (types, required fields), or a 422 by field."""
    if not isinstance(data, Mapping):
        raise _invalid({"_request": ["A JSON object is expected."]})
    try:
        chosen = schema or (AlertPatch if partial else AlertIn)
        return chosen().load(dict(data), partial=partial)
    except ValidationError as exc:
        flat = flatten_field_errors(exc.messages)
        raise _invalid({_cap_path(k): v for k, v in flat.items()}) from exc


def as_input(alert: Alert) -> dict[str, Any]:
    """The alert in the composer's JSON shape (what ``new_draft`` would make it from)."""
    data: dict[str, Any] = {}
    for name in ALERT_FIELDS:
        value = getattr(alert, name)
        if name in LIST_FIELDS:
            value = (value or "").split()
        elif name in TIME_FIELDS:
            value = rules.cap_time(value) if value is not None else None
        data[name] = value
    data["areas"] = [
        {
            "area_desc": area.area_desc,
            "area_desc_en": area.area_desc_en,
            "polygons": [[list(p) for p in ring] for ring in area.polygons or []],
            "circles": [dict(c) for c in area.circles or []],
            "communes": [
                g["value"] for g in area.geocodes or [] if g.get("valueName") == UNIT_GEOCODE
            ],
            "geocodes": [
                dict(g) for g in area.geocodes or [] if g.get("valueName") != UNIT_GEOCODE
            ],
            "altitude": area.altitude,
            "ceiling": area.ceiling,
        }
        for area in alert.areas
    ]
    return data


def province_code(session: Session, tenant_id: int) -> str | None:
    """The tenant's province code as a geocode value (the whole province)."""
    code = session.scalar(select(Tenant.province_code).where(Tenant.id == tenant_id))
    return None if code is None else str(code)


def _unit_problems(
    session: Session, tenant_id: int, areas: list[dict[str, Any]], imported: bool = False
) -> dict[str, list[str]]:
    wanted = {c for area in areas for c in area.get("communes") or []}
    wanted |= {
        g["value"]
        for area in areas
        for g in area.get("geocodes") or []
        if g.get("valueName") == UNIT_GEOCODE
    }
    known = set(
        session.scalars(
            select(AdministrativeUnit.code).where(
                AdministrativeUnit.tenant_id == tenant_id, AdministrativeUnit.code.in_(wanted)
            )
        )
    )
    province = province_code(session, tenant_id)
    if province is not None:
        known.add(province)
    found: dict[str, list[str]] = {}
    for i, area in enumerate(areas):
        for j, code in enumerate(area.get("communes") or []):
            if code not in known:
                found[f"areas[{i}].communes[{j}]"] = [f"{code!r} is no unit of this province."]
        for j, geocode in enumerate(area.get("geocodes") or []):
            # Another authority's alert may name other provinces' units too; targeting uses
            # the ones that are ours.
            foreign = geocode["value"] not in known and not imported
            if geocode.get("valueName") == UNIT_GEOCODE and foreign:
                found[f"areas[{i}].geocodes[{j}].value"] = [
                    f"{geocode['value']!r} is no unit of this province."
                ]
        shaped = area.get("polygons") or area.get("circles")
        # CAP allows an area that is a description alone (the standard's own nationwide
        # example); an imported message keeps it, reaching no one here but the feed. What we
        # compose must say where, or it reaches no one at all.
        if not imported and not (shaped or area.get("communes") or area.get("geocodes")):
            found.setdefault(f"areas[{i}]", []).append(
                "An area needs a polygon, a circle, a commune or a geocode."
            )
    return found


def check(
    session: Session,
    tenant_id: int,
    data: Mapping[str, Any],
    imported: bool = False,
    **message: Any,
) -> dict[str, Any]:
    """``data`` (already loaded) checked against CAP and the tenant's units, or a 422 naming
    every field at fault. ``message`` adds the ``<alert>`` fields (identifier, sender, sent,
    msg_type, references) to the CAP check."""
    found = rules.problems({**data, **message})
    areas = list(data["areas"])
    for path, messages in _unit_problems(session, tenant_id, areas, imported).items():
        found.setdefault(path, []).extend(messages)
    if found:
        raise _invalid(found)
    return dict(data)


def default_sender(session: Session, tenant_id: int) -> str:
    """The tenant's host name under the platform's domain (its slug alone without one)."""
    slug = session.scalar(select(Tenant.slug).where(Tenant.id == tenant_id))
    domain = ""
    if has_app_context():
        runtime = current_app.extensions.get("sieuapp")
        domain = getattr(getattr(runtime, "settings", None), "base_domain", "") or ""
    return f"{slug}.{domain}" if domain else str(slug)


def new_identifier(session: Session, tenant_id: int) -> str:
    slug = session.scalar(select(Tenant.slug).where(Tenant.id == tenant_id))
    day = local_day(clock.now()).strftime("%Y%m%d")
    return f"vn.{slug}.{day}.{secrets.token_hex(6)}"


def _areas(data: Mapping[str, Any]) -> list[AlertArea]:
    return [
        AlertArea(
            area_desc=area["area_desc"],
            area_desc_en=area.get("area_desc_en") or "",
            polygons=[[[float(v) for v in p] for p in ring] for ring in area.get("polygons") or []],
            circles=[
                {"lat": c["lat"], "lon": c["lon"], "radius_km": c["radius_km"]}
                for c in area.get("circles") or []
            ],
            geocodes=[
                {"valueName": g["valueName"], "value": g["value"]}
                for g in area.get("geocodes") or []
            ]
            + [{"valueName": UNIT_GEOCODE, "value": c} for c in area.get("communes") or []],
            altitude=area.get("altitude"),
            ceiling=area.get("ceiling"),
        )
        for area in data["areas"]
    ]


def apply(alert: Alert, data: Mapping[str, Any]) -> None:
    """Write checked composer data onto ``alert`` (its areas replaced)."""
    for name in ALERT_FIELDS:
        value = data.get(name)
        if name in LIST_FIELDS:
            value = rules.joined(value or [])
        elif name in TIME_FIELDS:
            value = rules.parse_time(value)
        setattr(alert, name, value)
    alert.areas = _areas(data)


def new_draft(
    session: Session,
    tenant_id: int,
    data: Mapping[str, Any],
    *,
    created_by: str | None,
    origin: str = "composed",
    identifier: str | None = None,
    sender: str | None = None,
) -> Alert:
    """A draft made from composer data, or a 422 naming each field at fault (nothing written)."""
    loaded = load(data)
    identifier = identifier or new_identifier(session, tenant_id)
    sender = sender or default_sender(session, tenant_id)
    checked = check(
        session,
        tenant_id,
        loaded,
        origin == "imported",
        identifier=identifier,
        sender=sender,
    )
    taken = session.scalar(
        select(Alert.id).where(Alert.tenant_id == tenant_id, Alert.identifier == identifier)
    )
    if taken is not None:
        raise Conflict(
            "An alert with this identifier exists already.", {"identifier": ["Already used."]}
        )
    alert = Alert(
        tenant_id=tenant_id,
        state="draft",
        origin=origin,
        identifier=identifier,
        sender=sender,
        msg_type="Alert",
        created_by=created_by,
    )
    apply(alert, checked)
    session.add(alert)
    session.flush()
    return alert


def edit_draft(session: Session, alert: Alert, changes: Mapping[str, Any]) -> Alert:
    """The draft with ``changes`` (composer fields) applied, checked as a whole."""
    if alert.state != "draft":
        raise Conflict(NOT_DRAFT.en, {"state": [NOT_DRAFT.en]})
    merged = {**as_input(alert), **load(changes, partial=True)}
    checked = check(
        session,
        alert.tenant_id,
        load(merged),
        alert.origin == "imported",
        identifier=alert.identifier,
        sender=alert.sender,
    )
    apply(alert, checked)
    session.flush()
    return alert
