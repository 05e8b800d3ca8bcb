"""Which administrative units an alert reaches: one ``AlertTarget`` row per unit, never per user,
so that publishing costs the same whatever the number of people living there."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..reports.models import UnitBoundary
from ..tenancy.models import AdministrativeUnit
from .compose import province_code
from .geometry import UNIT_GEOCODE, bounding_box, has_shape, reaches_boundary
from .models import Alert, AlertTarget

#: The target row of an alert for the whole province.
WHOLE_PROVINCE = "*"


def geocoded_units(areas: Iterable[Any]) -> set[str]:
    """The unit codes the areas name as geocodes (the province code included)."""
    return {
        str(g["value"])
        for area in areas
        for g in (area.geocodes or [])
        if g.get("valueName") == UNIT_GEOCODE
    }


def _shaped_units(session: Session, tenant_id: int, area: Any) -> set[str]:
    box = bounding_box(area)
    if box is None:
        return set()
    min_lat, min_lon, max_lat, max_lon = box
    # The boxes cut the boundaries to test to the few near the area.
    candidates = session.execute(
        select(UnitBoundary.unit_code, UnitBoundary.geometry).where(
            UnitBoundary.tenant_id == tenant_id,
            UnitBoundary.min_lat <= max_lat,
            UnitBoundary.max_lat >= min_lat,
            UnitBoundary.min_lon <= max_lon,
            UnitBoundary.max_lon >= min_lon,
        )
    )
    return {code for code, geometry in candidates if reaches_boundary(area, geometry)}


def unit_codes(session: Session, alert: Alert) -> set[str]:
    """The units of the tenant the alert reaches, or ``{"*"}`` for the whole province."""
    named = geocoded_units(alert.areas)
    if province_code(session, alert.tenant_id) in named:
        return {WHOLE_PROVINCE}
    found: set[str] = set()
    if named:
        # An imported alert may name units of other provinces; only this tenant's count.
        found |= set(
            session.scalars(
                select(AdministrativeUnit.code).where(
                    AdministrativeUnit.tenant_id == alert.tenant_id,
                    AdministrativeUnit.code.in_(named),
                )
            )
        )
    for area in alert.areas:
        if has_shape(area):
            found |= _shaped_units(session, alert.tenant_id, area)
    return found


def write_targets(session: Session, alert: Alert) -> int:
    """Replace the alert's target rows (``sent`` must be set); returns how many it has."""
    assert alert.sent is not None, "targets are written at publication"
    session.execute(delete(AlertTarget).where(AlertTarget.alert_id == alert.id))
    codes = sorted(unit_codes(session, alert))
    session.add_all(
        AlertTarget(alert_id=alert.id, unit_code=code, tenant_id=alert.tenant_id, sent=alert.sent)
        for code in codes
    )
    return len(codes)


def targets_of(session: Session, alert_id: int) -> set[str]:
    """The unit codes an alert was published to."""
    return set(
        session.scalars(select(AlertTarget.unit_code).where(AlertTarget.alert_id == alert_id))
    )
