"""Which channels a user wants a module's messages on, and when they do not want to be woken.

Read by the delivery planner and written by the settings API; the defaults live here so both
agree on what an absent row means.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import ZONE
from .models import NotificationPreference, NotificationSettings

#: A channel with no preference row: pushes on, e-mail and SMS off (they cost the user
#: attention, and SMS costs the province money).
DEFAULT_CHANNELS: dict[str, bool] = {"web_push": True, "email": False, "sms": False}
#: Modules of the platform itself; plugins add their ids.
CORE_MODULES = ("alerts", "payments", "reports", "platform")
MINUTES_PER_DAY = 24 * 60


def default_enabled(channel: str) -> bool:
    """A channel the platform does not know (a plugin's own) is off until the user turns it on."""
    return DEFAULT_CHANNELS.get(channel, False)


def settings_of(session: Session, tenant_id: int, user_id: str) -> NotificationSettings | None:
    return session.scalar(
        select(NotificationSettings).where(
            NotificationSettings.user_id == user_id, NotificationSettings.tenant_id == tenant_id
        )
    )


def choices_of(session: Session, tenant_id: int, user_ids: list[str]) -> dict[str, dict]:
    """``{user_id: {(module, channel): enabled}}`` for the users that set any; one query for a
    whole batch of recipients."""
    found: dict[str, dict] = {}
    if not user_ids:
        return found
    rows = session.execute(
        select(
            NotificationPreference.user_id,
            NotificationPreference.module,
            NotificationPreference.channel,
            NotificationPreference.enabled,
        ).where(
            NotificationPreference.tenant_id == tenant_id,
            NotificationPreference.user_id.in_(user_ids),
        )
    )
    for user_id, module, channel, enabled in rows:
        found.setdefault(user_id, {})[(module, channel)] = enabled
    return found


def wants(choices: dict, module: str, channel: str) -> bool:
    """Whether one user's ``choices`` (from :func:`choices_of`) let ``module`` use ``channel``."""
    return choices.get((module, channel), default_enabled(channel))


def quiet_until(settings: NotificationSettings | None, at: datetime) -> datetime | None:
    """When the user's quiet hours around ``at`` end (UTC), or None if ``at`` is not in them."""
    if settings is None or settings.quiet_start is None or settings.quiet_end is None:
        return None
    start, end = settings.quiet_start, settings.quiet_end
    if start == end:
        return None
    local = at.astimezone(ZONE)
    minute = local.hour * 60 + local.minute
    inside = start <= minute < end if start < end else minute >= start or minute < end
    if not inside:
        return None
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    ends = midnight + timedelta(minutes=end)
    if ends <= local:
        ends += timedelta(days=1)
    return ends.astimezone(at.tzinfo)
