"""The alerts a user's areas receive, found through the alerts' target units.

No row is written per recipient: an alert targets units (``AlertTarget``) and a user registers
at most two, so the inbox is an index range per unit of ``ix_alert_targets_unit_sent`` joined
to the published alerts. That keeps it the same cost with a million users as with ten.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, literal, select, union_all
from sqlalchemy.orm import Session

from ..notifications.models import Notification
from . import geometry
from .areas import CURRENT, HOME, areas_of
from .models import Alert, AlertArea, AlertRead, AlertTarget

PROVINCE = "*"
#: Citizens see real alerts only; exercises and tests go to the officials who run them.
SHOWN_STATUS = "Actual"


@dataclass(frozen=True)
class Reach:
    """What decides which alerts a user sees: their units and, if they opted in, where they are."""

    tenant_id: int
    user_id: str
    units: tuple[str, ...]
    #: Alerts reaching only the current unit whose shapes miss the user's location.
    excluded: tuple[int, ...]


def reach_of(session: Session, tenant_id: int, user_id: str) -> Reach:
    areas = areas_of(session, tenant_id, user_id)
    home = areas[HOME].unit_code if HOME in areas else None
    current = areas.get(CURRENT)
    units = [code for code in (home, current.unit_code if current else None) if code]
    excluded: list[int] = []
    if current is not None and current.unit_code and current.unit_code != home:
        excluded = _missing_the_point(session, tenant_id, current.unit_code, home, current)
    return Reach(tenant_id, user_id, tuple(dict.fromkeys(units)), tuple(excluded))


def _missing_the_point(
    session: Session, tenant_id: int, unit_code: str, home: str | None, current: Any
) -> list[int]:
    # A shaped alert touching the commune the user stands in may still be a kilometre away from
    # them: only its polygons or circles say. Alerts also for the home commune or the whole
    # province reach the user anyway. Bounded by the alerts of one commune, not by users.
    also = [PROVINCE] + ([home] if home else [])
    other = AlertTarget.__table__.alias("other")
    candidates = (
        select(AlertTarget.alert_id)
        .join(Alert, Alert.id == AlertTarget.alert_id)
        .where(
            AlertTarget.tenant_id == tenant_id,
            AlertTarget.unit_code == unit_code,
            Alert.state == "published",
            ~exists().where(other.c.alert_id == AlertTarget.alert_id, other.c.unit_code.in_(also)),
        )
    )
    areas: dict[int, list[AlertArea]] = {}
    for area in session.scalars(select(AlertArea).where(AlertArea.alert_id.in_(candidates))):
        areas.setdefault(area.alert_id, []).append(area)
    return [
        alert_id
        for alert_id, shapes in areas.items()
        if any(geometry.has_shape(a) for a in shapes)
        and not any(geometry.covers_point(a, current.lat, current.lon) for a in shapes)
    ]


def visible_ids(reach: Reach) -> Select:
    """The ids of the alerts targeting the user's units (a subquery; ids may repeat)."""
    query = select(AlertTarget.alert_id).where(
        AlertTarget.tenant_id == reach.tenant_id,
        AlertTarget.unit_code.in_([*reach.units, PROVINCE]),
    )
    if reach.excluded:
        query = query.where(AlertTarget.alert_id.not_in(reach.excluded))
    return query


def _read_by(user_id: str) -> ColumnElement[bool]:
    return exists().where(AlertRead.user_id == user_id, AlertRead.alert_id == Alert.id)


def alert_conditions(reach: Reach, unread: bool | None = None) -> list[ColumnElement[bool]]:
    """Conditions on ``Alert`` selecting the user's alerts, optionally by read state."""
    # The state is checked on the outer alert, not joined in the subquery: the planner then
    # reads the few target rows from their index and each alert by its key.
    found: list[ColumnElement[bool]] = [
        Alert.id.in_(visible_ids(reach)),
        Alert.tenant_id == reach.tenant_id,
        Alert.state == "published",
        Alert.status == SHOWN_STATUS,
        Alert.scope == "Public",
    ]
    if unread is not None:
        found.append(~_read_by(reach.user_id) if unread else _read_by(reach.user_id))
    return found


def notification_conditions(reach: Reach, unread: bool | None = None) -> list[Any]:
    found: list[Any] = [
        Notification.user_id == reach.user_id,
        Notification.tenant_id == reach.tenant_id,
    ]
    if unread is not None:
        found.append(
            Notification.read_at.is_(None) if unread else Notification.read_at.is_not(None)
        )
    return found


def merged(reach: Reach, unread: bool | None = None, first: int | None = None) -> Select:
    """Notifications and alerts as one ``(type, id, at)`` list, ordered and paged by SQL.

    ``first``: only the first that many rows are wanted (offset + page size); each side is
    then cut to that many newest by its own index before the two are put together."""
    notes = select(
        literal("notification").label("type"),
        Notification.id.label("id"),
        Notification.created_at.label("at"),
    ).where(*notification_conditions(reach, unread))
    alerts = select(
        literal("alert").label("type"), Alert.id.label("id"), Alert.sent.label("at")
    ).where(*alert_conditions(reach, unread))
    if first is not None:
        notes = notes.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(first)
        alerts = alerts.order_by(Alert.sent.desc(), Alert.id.desc()).limit(first)
    both = union_all(notes.subquery().select(), alerts.subquery().select()).subquery("inbox")
    return select(both.c.type, both.c.id, both.c.at).order_by(
        both.c.at.desc(), both.c.type, both.c.id.desc()
    )


def read_ids(session: Session, user_id: str, alert_ids: list[int]) -> set[int]:
    if not alert_ids:
        return set()
    return set(
        session.scalars(
            select(AlertRead.alert_id).where(
                and_(AlertRead.user_id == user_id, AlertRead.alert_id.in_(alert_ids))
            )
        )
    )
