"""The taxi plugin's nearest-driver matching against a primary-key select, on the same database
and in the same session, sides alternating:

- ``taxi_nearest``: median and p95 milliseconds of one ``sieuapp_taxi.matching.nearest`` call
  (a 4-seat car of either firm, within 3 km of a pickup near Huế's centre, position newer than
  60 s) with 120, 10,000 and 100,000 drivers signed up, against a primary-key select of one
  driver's id and position.

Drivers (and the users they are) are written with SQLAlchemy core inserts in batches, spread
over a 25 km square around Huế, most of them near the centre; the same random seed every run."""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sieuapp.core import clock
from sieuapp.core.db import unit_of_work
from sieuapp.core.identity.models import User
from sieuapp.core.tenancy.models import Tenant
from sieuapp.core.testing import Platform
from sieuapp_taxi.geo import METRES_PER_DEGREE, cell_of, cells_around
from sieuapp_taxi.matching import nearest
from sieuapp_taxi.models import Driver
from sqlalchemy import event, func, insert, select, text

from ._alerts import _alternate
from ._fixture import SECRET
from ._report import Row
from ._reports import _Deferred, _p95

#: Huế's centre and half the side of the square drivers are in.
CENTRE = (16.4637, 107.5909)
HALF_SIDE_M = 12_500
#: Most drivers wait near the centre: a gaussian of this spread; the rest anywhere in the square.
CENTRAL_SHARE = 0.7
CENTRAL_SIGMA_M = 3_000
#: Pickups: a gaussian around the centre.
PICKUP_SIGMA_M = 1_500
FIRMS = ("mai-linh-hue", "thanh-cong-hue")
RADIUS_M = 3_000
SEATS = 4
FRESH_S = 60
TARGET_DRIVERS = 10_000
TARGET_MS = 1.0
BATCH = 5_000
SEED = 20261207


@dataclass(frozen=True)
class TaxiEffort:
    #: Drivers signed up, in increasing order (each step adds drivers to the last one's).
    counts: tuple[int, ...]
    #: Alternating rounds, and timed calls per side in each.
    rounds: int
    samples: int


FULL = TaxiEffort(counts=(120, 10_000, 100_000), rounds=5, samples=100)
QUICK = TaxiEffort(counts=(120, 2_000), rounds=1, samples=20)


def _offset(north_m: float, east_m: float) -> tuple[float, float]:
    """The point ``north_m`` and ``east_m`` metres from the centre."""
    return (
        CENTRE[0] + north_m / METRES_PER_DEGREE,
        CENTRE[1] + east_m / (METRES_PER_DEGREE * math.cos(math.radians(CENTRE[0]))),
    )


def _clip(metres: float) -> float:
    return max(-HALF_SIDE_M, min(HALF_SIDE_M, metres))


class TaxiBench:
    def __init__(self, instance: Path, database_url: str, effort: TaxiEffort) -> None:
        self.effort = effort
        self.platform = Platform.create(
            instance_path=instance,
            plugins=["taxi"],
            database_url=database_url,
            secret_key=SECRET,
            debug=False,
        )
        self.platform.runtime.task_backend.shutdown()
        self.platform.runtime.task_backend = _Deferred()
        self.sessionmaker = self.platform.runtime.sessionmaker
        self.dialect = self.platform.runtime.engine.dialect.name
        self.random = random.Random(SEED)
        self.drivers = 0
        #: "Now" for the whole run: positions are written as of this instant and matching asks
        #: for those newer than it minus 60 s, so no position goes stale while calls are timed.
        self.now = clock.now()
        with unit_of_work(self.sessionmaker) as session:
            self.tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == "hue"))
        self.pickups = [self._pickup() for _ in range(500)]
        #: Per count, means per call: candidates found, index entries in the pickup's grid cells,
        #: rows returned to Python (fresh, of the firms, active).
        self.found: dict[int, tuple[float, float, float]] = {}
        #: Per count: nearest()'s median and p95 ms.
        self.timed: dict[int, tuple[float, float]] = {}

    @property
    def engine(self) -> Any:
        return self.platform.runtime.engine

    def close(self) -> None:
        self.platform.close()

    # -- drivers -------------------------------------------------------------------------

    def _pickup(self) -> tuple[float, float]:
        north = _clip(self.random.gauss(0, PICKUP_SIGMA_M))
        east = _clip(self.random.gauss(0, PICKUP_SIGMA_M))
        return _offset(north, east)

    def _position(self) -> tuple[float, float]:
        if self.random.random() < CENTRAL_SHARE:
            north = _clip(self.random.gauss(0, CENTRAL_SIGMA_M))
            east = _clip(self.random.gauss(0, CENTRAL_SIGMA_M))
        else:
            north = self.random.uniform(-HALF_SIDE_M, HALF_SIDE_M)
            east = self.random.uniform(-HALF_SIDE_M, HALF_SIDE_M)
        return _offset(north, east)

    def _driver(self, n: int, now: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        pick = self.random.random()
        # 80 % waiting for a ride, 12 % on one, 8 % signed off (with their last position).
        status = "available" if pick < 0.80 else "busy" if pick < 0.92 else "offline"
        # One in ten positions is stale: the phone stopped reporting minutes to hours ago.
        if self.random.random() < 0.9:
            at = now - timedelta(seconds=self.random.uniform(0, 30))
        else:
            at = now - timedelta(seconds=self.random.uniform(300, 7200))
        lat, lon = self._position()
        user_id = f"taxi{n}"
        user = {
            "id": user_id,
            "username": user_id,
            "full_name": f"Tài xế {n}",
            "locale": "vi",
            "active": True,
            "assurance_level": 1,
            "created_at": now,
        }
        driver = {
            "tenant_id": self.tenant_id,
            "firm": FIRMS[n % 2],
            "user_id": user_id,
            "name": f"Tài xế {n}",
            "phone": f"09{n:08d}",
            "active": True,
            "status": status,
            "vehicle_id": None,
            "seats": 4 if self.random.random() < 0.75 else 7,
            "lat": lat,
            "lon": lon,
            "cell": cell_of(lat, lon),
            "position_at": at,
            "ride_id": None,
            "created_at": now,
        }
        return user, driver

    def fill(self, count: int) -> None:
        """Sign up drivers until ``count`` are there (positions as of ``self.now``), then
        ``ANALYZE``."""
        now = self.now
        for start in range(self.drivers, count, BATCH):
            pairs = [self._driver(n, now) for n in range(start, min(start + BATCH, count))]
            with self.engine.begin() as connection:
                connection.execute(insert(User.__table__), [user for user, _ in pairs])
                connection.execute(insert(Driver.__table__), [driver for _, driver in pairs])
        self.drivers = count
        # Fresh planner statistics after a bulk fill: autovacuum's on PostgreSQL; on SQLite
        # the index is the only one that fits the query either way.
        with self.engine.begin() as connection:
            connection.execute(text("ANALYZE"))

    # -- one nearest() call against a primary-key select --------------------------------

    def rows(self) -> list[Row]:
        out: list[Row] = []
        for count in self.effort.counts:
            self.fill(count)
            subject, baseline = self._measure(count)
            how = f"{count:,} drivers"
            for label, pick in (("median", statistics.median), ("p95", _p95)):
                out.append(
                    Row("taxi_nearest", f"ms {label}", how, pick(subject), pick(baseline), None)
                )
            self.timed[count] = (statistics.median(subject), _p95(subject))
        return out

    def _measure(self, count: int) -> tuple[list[float], list[float]]:
        picker = random.Random(SEED + count)
        with unit_of_work(self.sessionmaker) as session:
            first, last = session.execute(select(func.min(Driver.id), func.max(Driver.id))).one()
            calls = iter(range(10**9))
            found: list[int] = []

            def match() -> None:
                lat, lon = self.pickups[next(calls) % len(self.pickups)]
                fresh_since = self.now - timedelta(seconds=FRESH_S)
                found.append(
                    len(
                        nearest(
                            session,
                            self.tenant_id,
                            lat,
                            lon,
                            seats=SEATS,
                            firms=FIRMS,
                            radius_m=RADIUS_M,
                            fresh_since=fresh_since,
                        )
                    )
                )

            def by_key() -> None:
                driver_id = picker.randint(first, last)
                session.execute(
                    select(Driver.id, Driver.lat, Driver.lon).where(Driver.id == driver_id)
                ).one()

            subject, baseline = _alternate(match, by_key, self.effort.rounds, self.effort.samples)
            read = [self._rows_read(session, lat, lon) for lat, lon in self.pickups[:50]]
        self.found[count] = (
            statistics.mean(found),
            statistics.mean(entries for entries, _ in read),
            statistics.mean(rows for _, rows in read),
        )
        return subject, baseline

    def _rows_read(self, session: Any, lat: float, lon: float) -> tuple[int, int]:
        """The entries of ``ix_taxi_drivers_matching`` in the pickup's grid cells (the rows the
        database reads), and how many of them pass the freshness, firm and active checks (the
        rows ``nearest`` receives and measures the distance of)."""
        in_cells = (
            Driver.tenant_id == self.tenant_id,
            Driver.status == "available",
            Driver.seats == SEATS,
            Driver.cell.in_(cells_around(lat, lon, RADIUS_M)),
        )
        returned = (
            Driver.position_at >= self.now - timedelta(seconds=FRESH_S),
            Driver.firm.in_(list(FIRMS)),
            Driver.active.is_(True),
        )
        entries = session.scalar(select(func.count()).where(*in_cells))
        rows = session.scalar(select(func.count()).where(*in_cells, *returned))
        return int(entries or 0), int(rows or 0)

    def plan(self) -> str:
        """The database's plan for the query ``nearest`` sends, as the database prints it."""
        sent: list[tuple[str, Any]] = []

        def capture(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
            if "taxi_drivers" in statement:
                sent.append((statement, params))

        event.listen(self.engine, "before_cursor_execute", capture)
        try:
            with unit_of_work(self.sessionmaker) as session:
                nearest(
                    session,
                    self.tenant_id,
                    *CENTRE,
                    seats=SEATS,
                    firms=FIRMS,
                    radius_m=RADIUS_M,
                    fresh_since=self.now - timedelta(seconds=FRESH_S),
                )
        finally:
            event.remove(self.engine, "before_cursor_execute", capture)
        statement, params = sent[-1]
        explain = "EXPLAIN QUERY PLAN " if self.dialect == "sqlite" else "EXPLAIN "
        with self.engine.connect() as connection:
            lines = connection.exec_driver_sql(explain + statement, params).all()
        return "; ".join(str(line[-1]).strip() for line in lines)
