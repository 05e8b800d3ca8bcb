"""Fan-out of a published alert to its area's users, in batches, from background tasks.

Each step is its own outbox task ``alerts.fan_out`` with ``{"alert_id", "after"}``: it takes the
next batch of user ids after the cursor (keyset on ``ix_user_areas_unit_user``), plans their
deliveries and queues the next step, so the work of a big alert spreads over the workers and a
step that fails is retried alone. A message no longer current stops where it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flask import has_app_context
from sqlalchemy import select, union, update
from sqlalchemy.orm import Session

from .. import clock
from .._runtime import runtime_of
from ..db import current_session
from ..identity.models import RoleAssignment
from ..notifications.models import PushSubscription
from ..tasks.outbox import enqueue
from .geometry import covers_point
from .models import Alert, UserArea
from .publishing import FAN_OUT_TASK
from .targeting import WHOLE_PROVINCE, geocoded_units, targets_of

if TYPE_CHECKING:
    from .._runtime import Runtime

#: Users per fan-out step unless ``SIEUAPP_ALERT_BATCH_SIZE`` says otherwise.
BATCH = 500
#: Only real alerts reach people's phones; exercises, tests and system messages stay in the feed.
FANNED_OUT_STATUSES = ("Actual",)


def _candidates(
    session: Session, alert: Alert, codes: set[str], after: str, limit: int
) -> list[str]:
    if WHOLE_PROVINCE in codes:
        # Everyone tied to this province: who told it where they live, holds a role in it, or
        # subscribed a browser on its app. One sorted UNION, so the keyset stays one query.
        users = union(
            select(UserArea.user_id.label("user_id")).where(
                UserArea.tenant_id == alert.tenant_id, UserArea.user_id > after
            ),
            select(RoleAssignment.user_id.label("user_id")).where(
                RoleAssignment.tenant_id == alert.tenant_id, RoleAssignment.user_id > after
            ),
            select(PushSubscription.user_id.label("user_id")).where(
                PushSubscription.tenant_id == alert.tenant_id, PushSubscription.user_id > after
            ),
        ).subquery()
        query = select(users.c.user_id).order_by(users.c.user_id).limit(limit)
    else:
        query = (
            select(UserArea.user_id)
            .where(
                UserArea.tenant_id == alert.tenant_id,
                UserArea.unit_code.in_(codes),
                UserArea.user_id > after,
            )
            .distinct()
            .order_by(UserArea.user_id)
            .limit(limit)
        )
    return list(session.scalars(query))


def _in_area(alert: Alert, codes: set[str], named: set[str], places: list[UserArea]) -> bool:
    """Whether a candidate is someone the alert is for: their home is in a targeted unit, or
    where they are now is (a unit named outright, or a point the area's shapes cover)."""
    if WHOLE_PROVINCE in codes:
        return True
    for place in places:
        if place.unit_code not in codes:
            continue
        if place.kind == "home" or place.unit_code in named:
            return True
        # A unit reached by a shape may be only partly inside it.
        located = place.lat is not None and place.lon is not None
        if located and any(covers_point(a, place.lat, place.lon) for a in alert.areas):
            return True
    return False


def _finish(session: Session, alert_id: int) -> None:
    # Plain UPDATEs: the fan-out must not bump the version an operator's update checks against.
    session.execute(
        update(Alert)
        .where(Alert.id == alert_id)
        .values(fanout_finished_at=clock.now())
        .execution_options(synchronize_session=False)
    )


def batch_size() -> int:
    """The configured batch size (the running app's settings), or ``BATCH``."""
    configured = runtime_of().settings.alert_batch_size if has_app_context() else 0
    return configured if configured > 0 else BATCH


def fan_out_step(
    session: Session, alert_id: int, after: str, batch: int | None = None
) -> str | None:
    """Plan one batch of the alert's deliveries; returns the next cursor, or None when done."""
    batch = batch or batch_size()
    from ..notifications.delivery import plan_alert

    alert = session.get(Alert, alert_id)
    if alert is None or alert.state != "published":
        return None
    expired = alert.expires is not None and alert.expires <= clock.now()
    if alert.status not in FANNED_OUT_STATUSES or expired:
        _finish(session, alert_id)
        return None
    codes = targets_of(session, alert_id)
    users = _candidates(session, alert, codes, after, batch) if codes else []
    if not users:
        _finish(session, alert_id)
        return None
    places: dict[str, list[UserArea]] = {}
    for place in session.scalars(
        select(UserArea).where(UserArea.tenant_id == alert.tenant_id, UserArea.user_id.in_(users))
    ):
        places.setdefault(place.user_id, []).append(place)
    named = geocoded_units(alert.areas)
    chosen = [u for u in users if _in_area(alert, codes, named, places.get(u, []))]
    if chosen:
        plan_alert(session, alert, chosen)
        session.execute(
            update(Alert)
            .where(Alert.id == alert_id)
            .values(recipients=Alert.recipients + len(chosen))
            .execution_options(synchronize_session=False)
        )
    if len(users) < batch:
        _finish(session, alert_id)
        return None
    return users[-1]


def run_task(payload: Mapping[str, Any]) -> None:
    """Outbox task ``alerts.fan_out``: one batch, then the next step queued."""
    session = current_session()
    alert_id = int(payload["alert_id"])
    following = fan_out_step(session, alert_id, str(payload.get("after") or ""))
    if following is not None:
        tenant_id = session.scalar(select(Alert.tenant_id).where(Alert.id == alert_id))
        enqueue(
            session, FAN_OUT_TASK, {"alert_id": alert_id, "after": following}, tenant_id=tenant_id
        )


def register_tasks(runtime: Runtime) -> None:
    """Register the fan-out tasks with the runtime's task registry."""
    runtime.task_registry.register(FAN_OUT_TASK, run_task)
