"""Jobs the platform runs every so often, whatever the task backend: the inline pump runs the
due ones between outbox sweeps, Celery beat schedules each one."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

PeriodicFunction = Callable[[Session], object]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    #: How often it runs; every process may run it, so it must be safe to run twice at once.
    seconds: float
    #: ``module:function`` taking the session (imported when first run, not at start-up).
    target: str

    def function(self) -> PeriodicFunction:
        module, _, name = self.target.partition(":")
        return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


#: Reminders, escalations and auto-closing of reports; minutes late is soon enough for rules
#: counted in working days.
REPORTS_SWEEP = PeriodicJob("reports.sweep", 300.0, "sieuapp.core.reports.deadlines:run_sweep")
#: Deliveries whose quiet hours ended or whose retry is due, in case their task was lost.
NOTIFICATIONS_DUE = PeriodicJob(
    "notifications.deliver_due", 60.0, "sieuapp.core.notifications.delivery:run_due"
)
#: Daily digests; five minutes after the user's hour is on time for a daily e-mail.
NOTIFICATIONS_DIGEST = PeriodicJob(
    "notifications.digest", 300.0, "sieuapp.core.notifications.digest:run_digests"
)

#: Webhook deliveries whose retry is due, in case their task was lost; the schedule's shortest
#: wait is 5 seconds, its next 5 minutes, so half a minute late is within its spirit.
WEBHOOKS_DUE = PeriodicJob("webhooks.deliver_due", 30.0, "sieuapp.core.webhooks.sending:run_due")

#: Unpaid payments past their expiry; a minute late is well inside a gateway's own grace.
PAYMENTS_EXPIRE = PeriodicJob("payments.expire", 60.0, "sieuapp.core.payments.intents:expire_due")

#: Idempotency keys past their week; hourly keeps the table small without a busy loop.
IDEMPOTENCY_KEYS = PeriodicJob(
    "payments.forget_keys", 3600.0, "sieuapp.core.payments.idempotency:forget_old"
)


def core_jobs() -> dict[str, PeriodicJob]:
    jobs = (
        REPORTS_SWEEP,
        NOTIFICATIONS_DUE,
        NOTIFICATIONS_DIGEST,
        WEBHOOKS_DUE,
        PAYMENTS_EXPIRE,
        IDEMPOTENCY_KEYS,
    )
    return {job.name: job for job in jobs}
