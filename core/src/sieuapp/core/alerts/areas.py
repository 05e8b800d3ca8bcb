"""Where a user wants alerts for: a home commune they chose, and where they are if they opt in."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .. import clock
from ..reports.geo import locate_unit
from ..tenancy.models import AdministrativeUnit
from .models import UserArea

HOME, CURRENT = "home", "current"


def areas_of(session: Session, tenant_id: int, user_id: str) -> dict[str, UserArea]:
    """The user's areas by kind (``home``, ``current``), those they have."""
    rows = session.scalars(
        select(UserArea).where(UserArea.tenant_id == tenant_id, UserArea.user_id == user_id)
    )
    return {row.kind: row for row in rows}


def user_units(session: Session, tenant_id: int, user_id: str) -> list[str]:
    """The unit codes of the user's home and current areas (those known), home first."""
    areas = areas_of(session, tenant_id, user_id)
    codes = [areas[k].unit_code for k in (HOME, CURRENT) if k in areas and areas[k].unit_code]
    return list(dict.fromkeys(codes))


def unit_of_tenant(session: Session, tenant_id: int, code: str) -> AdministrativeUnit | None:
    return session.scalar(
        select(AdministrativeUnit).where(
            AdministrativeUnit.tenant_id == tenant_id, AdministrativeUnit.code == code
        )
    )


def _row(session: Session, tenant_id: int, user_id: str, kind: str) -> UserArea:
    row = areas_of(session, tenant_id, user_id).get(kind)
    if row is None:
        row = UserArea(tenant_id=tenant_id, user_id=user_id, kind=kind)
        session.add(row)
    row.updated_at = clock.now()
    return row


def set_home(session: Session, tenant_id: int, user_id: str, unit_code: str) -> UserArea:
    """Make ``unit_code`` (a unit of the tenant, checked by the caller) the user's home."""
    row = _row(session, tenant_id, user_id, HOME)
    row.unit_code, row.lat, row.lon = unit_code, None, None
    session.flush()
    return row


def set_current(session: Session, tenant_id: int, user_id: str, lat: float, lon: float) -> UserArea:
    """Keep where the user is; outside every known boundary the unit is None and only
    province-wide alerts reach them there (the location is kept for when boundaries come)."""
    row = _row(session, tenant_id, user_id, CURRENT)
    row.unit_code = locate_unit(session, tenant_id, lat, lon)
    row.lat, row.lon = lat, lon
    session.flush()
    return row


def clear_current(session: Session, tenant_id: int, user_id: str) -> bool:
    """Forget where the user is (they opted out); False when nothing was kept."""
    result = session.execute(
        delete(UserArea).where(
            UserArea.tenant_id == tenant_id,
            UserArea.user_id == user_id,
            UserArea.kind == CURRENT,
        )
    )
    return bool(result.rowcount)
