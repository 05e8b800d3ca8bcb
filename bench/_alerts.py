"""Government alerts' measures, each against a baseline measured alternately in the same run:

- ``alert_publish``: milliseconds to publish one alert (``publishing.publish``: targets, audit,
  the first fan-out task, commit) to a commune of 1,000 registered users, against the same to a
  commune of 1,000,000 (the ratio should stay near 1: nothing is written per recipient);
- ``alert_inbox``: median and p95 of one user's alert inbox query (``inbox.reach_of`` +
  ``alert_conditions``, a page of 20 and the total, as ``GET /me/alerts`` runs it) among 10,000
  published alerts and 1,000,000 users, against a primary-key select;
- ``alert_pushes``: deliveries per second through ``notifications.sending.deliver`` (claim, the
  ``deliver_notifications`` hook of a no-op channel plugin, outcome bookkeeping) against a bare
  UPDATE marking the same number of rows sent.

Users, their areas and the 10,000 alerts are written with set-based SQL (``generate_series`` on
PostgreSQL), not ORM loops."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sieuapp.core import clock
from sieuapp.core.alerts import compose, publishing
from sieuapp.core.alerts.inbox import alert_conditions, reach_of
from sieuapp.core.alerts.models import Alert
from sieuapp.core.db import UTCDateTime, unit_of_work
from sieuapp.core.notifications import delivery
from sieuapp.core.notifications.models import Delivery
from sieuapp.core.notifications.sending import deliver
from sieuapp.core.plugins.synthetic import entry_points_in, plugin_source, write_distribution
from sieuapp.core.tenancy.models import AdministrativeUnit, Tenant
from sieuapp.core.testing import Platform
from sqlalchemy import bindparam, func, select, text, update

from ._fixture import SECRET
from ._report import Row
from ._reports import _Deferred, _p95

NOOP_ID = "bench_noop"
NOOP = """
from sieuapp.sdk import Channel, DeliveryOutcome


@hookimpl
def notification_channels(tenant):
    return [Channel("web_push", text("Thông báo đẩy", "Push notifications"), "web_push")]


@hookimpl
def deliver_notifications(channel, messages, tenant):
    return [DeliveryOutcome.sent(m.id, "noop") for m in messages]
"""


@dataclass(frozen=True)
class AlertsEffort:
    small: int
    large: int
    alerts: int
    #: Alternating rounds, and timed calls per side in each.
    rounds: int
    samples: int
    #: Deliveries handed to ``deliver`` per call (the delivery task's batch).
    batch: int


FULL = AlertsEffort(
    small=1_000, large=1_000_000, alerts=10_000, rounds=5, samples=20, batch=delivery.BATCH
)
QUICK = AlertsEffort(small=1_000, large=10_000, alerts=500, rounds=1, samples=3, batch=50)


def _series(dialect: str, count: int) -> tuple[str, str]:
    """A ``WITH`` prefix and a ``FROM`` naming ``n`` = 1..count."""
    if dialect == "postgresql":
        return "", f"generate_series(1, {int(count)}) AS s(n)"
    return (
        f"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {int(count)}) ",
        "s",
    )


class AlertsBench:
    def __init__(self, tmp: Path, database_url: str, effort: AlertsEffort) -> None:
        self.effort = effort
        plugins = tmp / "alert-plugins"
        source = plugin_source(NOOP_ID, sdk_api=">=1.3,<2", extra=NOOP)
        write_distribution(plugins, NOOP_ID, source)
        self.platform = Platform.create(
            instance_path=tmp / "alerts",
            plugins=[NOOP_ID],
            entry_points=entry_points_in(plugins),
            database_url=database_url,
            secret_key=SECRET,
            debug=False,
        )
        # The web process's view: fan-out and delivery tasks stay queued for a worker.
        self.platform.runtime.task_backend.shutdown()
        self.platform.runtime.task_backend = _Deferred()
        self.sessionmaker = self.platform.runtime.sessionmaker
        self.dialect = self.platform.runtime.engine.dialect.name
        self.actor = self.platform.users["ioc_operator"].id
        with unit_of_work(self.sessionmaker) as session:
            self.tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == "hue"))
            self.units = list(
                session.scalars(
                    select(AdministrativeUnit.code)
                    .where(AdministrativeUnit.tenant_id == self.tenant_id)
                    .order_by(AdministrativeUnit.code)
                )
            )
        self.small_unit, self.large_unit, self.push_unit, self.inbox_unit = self.units[:4]

    @property
    def engine(self) -> Any:
        return self.platform.runtime.engine

    def close(self) -> None:
        self.platform.close()

    # -- set-based fixtures ---------------------------------------------------------------

    def _sql(self, statement: str, **params: Any) -> None:
        query = text(statement)
        if ":now" in statement:
            query = query.bindparams(bindparam("now", type_=UTCDateTime()))
            params["now"] = clock.now()
        with self.engine.begin() as connection:
            connection.execute(query, params)

    def analyze(self) -> None:
        """Fresh planner statistics after a bulk fill, as autovacuum gives a live database."""
        if self.dialect == "postgresql":
            self._sql("ANALYZE")

    def add_users(self, prefix: str, count: int, unit: str, *, push: bool = False) -> None:
        """``count`` users whose home is ``unit`` (with a push subscription each if asked)."""
        with_, source = _series(self.dialect, count)
        user = f"'{prefix}' || n"
        self._sql(
            f"{with_}INSERT INTO users (id, username, full_name, locale, active, "
            f"assurance_level, created_at) SELECT {user}, {user}, '', 'vi', TRUE, 0, :now "
            f"FROM {source}"
        )
        self._sql(
            f"{with_}INSERT INTO user_areas (user_id, tenant_id, kind, unit_code, updated_at) "
            f"SELECT {user}, :tenant, 'home', :unit, :now FROM {source}",
            tenant=self.tenant_id,
            unit=unit,
        )
        if push:
            self._sql(
                f"{with_}INSERT INTO push_subscriptions (user_id, tenant_id, endpoint, "
                f"endpoint_hash, p256dh, auth, user_agent, created_at) SELECT {user}, :tenant, "
                f"'https://push.bench.test/' || {user}, {user}, 'p256dh', 'auth', '', :now "
                f"FROM {source}",
                tenant=self.tenant_id,
            )

    def add_alerts(self, count: int) -> None:
        """``count`` published alerts, each targeting one of the tenant's units in turn (every
        hundredth the whole province), sent a minute apart."""
        with_, source = _series(self.dialect, count)
        units = len(self.units)
        minutes = (
            "(:now - n * INTERVAL '1 minute')"
            if self.dialect == "postgresql"
            else "datetime(:now, '-' || n || ' minutes')"
        )
        self._sql(
            f"{with_}INSERT INTO alerts (tenant_id, thread_id, state, origin, identifier, sender, "
            "sent, status, msg_type, scope, category, event, event_en, response_type, urgency, "
            "severity, certainty, sender_name, headline, headline_en, description, "
            "description_en, instruction, instruction_en, created_at, updated_at, recipients, "
            f"version) SELECT :tenant, NULL, 'published', 'composed', 'bench.' || n, "
            f"'hue.bench', {minutes}, 'Actual', 'Alert', 'Public', 'Met', 'Lũ', 'Flood', '', "
            "'Expected', 'Moderate', 'Likely', '', 'Cảnh báo ' || n, 'Alert ' || n, '', '', '', "
            f"'', :now, :now, 0, 1 FROM {source}",
            tenant=self.tenant_id,
        )
        self._sql(
            "INSERT INTO alert_targets (alert_id, unit_code, tenant_id, sent) "
            "SELECT a.id, CASE WHEN a.id % 100 = 0 THEN '*' ELSE u.code END, a.tenant_id, a.sent "
            "FROM alerts a JOIN (SELECT code, ROW_NUMBER() OVER (ORDER BY code) - 1 AS i "
            "FROM administrative_units WHERE tenant_id = :tenant) u "
            f"ON u.i = a.id % {units} WHERE a.identifier LIKE 'bench.%'",
            tenant=self.tenant_id,
        )

    # -- publishing to 1,000 against 1,000,000 --------------------------------------------

    def _draft(self, unit: str) -> int:
        data = {
            "category": ["Met"],
            "event": "Lũ",
            "urgency": "Immediate",
            "severity": "Severe",
            "certainty": "Likely",
            "headline": "Cảnh báo lũ",
            "areas": [{"area_desc": "Xã", "communes": [unit]}],
        }
        with self.platform.context() as session:
            return compose.new_draft(session, self.tenant_id, data, created_by=self.actor).id

    def _publish(self, alert_id: int) -> float:
        started = time.perf_counter()
        with self.platform.context() as session:
            publishing.publish(session, session.get(Alert, alert_id), self.actor)
        return (time.perf_counter() - started) * 1000

    def publish_rows(self) -> list[Row]:
        self.add_users("s", self.effort.small, self.small_unit)
        self.add_users("l", self.effort.large, self.large_unit)
        self.analyze()
        times: dict[str, list[float]] = {self.small_unit: [], self.large_unit: []}
        for i in range(self.effort.rounds + 1):
            order = [self.small_unit, self.large_unit]
            if i % 2:
                order.reverse()
            for unit in order:
                drafts = [self._draft(unit) for _ in range(self.effort.samples)]
                spent = [self._publish(d) for d in drafts]
                if i:  # the first round warms up
                    times[unit].extend(spent)
        small, large = (statistics.median(times[u]) for u in (self.small_unit, self.large_unit))
        return [
            Row(
                "alert_publish",
                "ms median",
                f"{self.effort.large:,} vs {self.effort.small:,}",
                large,
                small,
                None,
            )
        ]

    # -- one user's inbox among 10,000 alerts ---------------------------------------------

    def _inbox(self, user_id: str) -> Callable[[], None]:
        def run() -> None:
            with unit_of_work(self.sessionmaker) as session:
                reach = reach_of(session, self.tenant_id, user_id)
                chosen = alert_conditions(reach)
                session.scalars(
                    select(Alert.id)
                    .where(*chosen)
                    .order_by(Alert.sent.desc(), Alert.id.desc())
                    .limit(20)
                ).all()
                session.scalar(select(func.count(Alert.id)).where(*chosen))

        return run

    def _by_key(self, alert_id: int) -> Callable[[], None]:
        def run() -> None:
            with unit_of_work(self.sessionmaker) as session:
                session.scalar(select(Alert.id).where(Alert.id == alert_id))

        return run

    def inbox_rows(self) -> list[Row]:
        self.add_alerts(self.effort.alerts)
        self.add_users("i", 1, self.inbox_unit)
        self.analyze()
        with unit_of_work(self.sessionmaker) as session:
            some = session.scalar(select(func.max(Alert.id)))
            reach = reach_of(session, self.tenant_id, "i1")
            seen = session.scalar(select(func.count(Alert.id)).where(*alert_conditions(reach)))
        self.inbox_alerts = int(seen or 0)
        inbox, baseline = _alternate(
            self._inbox("i1"), self._by_key(some), self.effort.rounds, self.effort.samples * 5
        )
        return [
            Row("alert_inbox", f"ms {label}", "query", pick(inbox), pick(baseline), None)
            for label, pick in (("median", statistics.median), ("p95", _p95))
        ]

    # -- pushes dispatched per second -------------------------------------------------------

    def push_rows(self) -> list[Row]:
        batch = self.effort.batch
        calls = 2 * (self.effort.rounds + 1)
        users = batch * calls
        self.add_users("p", users, self.push_unit, push=True)
        self.analyze()
        alert_id = self._draft(self.push_unit)
        with self.platform.context() as session:
            alert = session.get(Alert, alert_id)
            publishing.publish(session, alert, self.actor)
            planned = delivery.plan_alert(session, alert, [f"p{n}" for n in range(1, users + 1)])
        if planned != users:
            raise SystemExit(f"planned {planned} pushes for {users} subscribed users")
        with unit_of_work(self.sessionmaker) as session:
            ids = list(
                session.scalars(
                    select(Delivery.id).where(Delivery.alert_id == alert_id).order_by(Delivery.id)
                )
            )
        batches = [ids[i : i + batch] for i in range(0, len(ids), batch)]

        def dispatch() -> None:
            with self.platform.context() as session:
                sent = deliver(session, batches.pop())
            if sent != batch:
                raise SystemExit(f"deliver sent {sent} of {batch}")

        def bare() -> None:
            chosen = batches.pop()
            with unit_of_work(self.sessionmaker) as session:
                session.execute(
                    update(Delivery)
                    .where(Delivery.id.in_(chosen))
                    .values(status="sent", sent_at=clock.now(), attempts=Delivery.attempts + 1)
                )

        subject, baseline = _alternate(dispatch, bare, self.effort.rounds, 1)
        rates = [batch * 1000 / statistics.median(ms) for ms in (subject, baseline)]
        return [Row("alert_pushes", "pushes/s", f"batch {batch}", rates[0], rates[1], None)]


def _alternate(
    subject: Callable[[], None], baseline: Callable[[], None], rounds: int, samples: int
) -> tuple[list[float], list[float]]:
    """Milliseconds of each call, sides alternating round by round after one warm-up call."""
    subject()
    baseline()
    times: dict[int, list[float]] = {0: [], 1: []}
    for i in range(rounds):
        order = [(0, subject), (1, baseline)]
        if i % 2:
            order.reverse()
        for side, call in order:
            for _ in range(samples):
                started = time.perf_counter()
                call()
                times[side].append((time.perf_counter() - started) * 1000)
    return times[0], times[1]
