"""The report pipeline's measures: how many reports the platform accepts per second (validation,
routing, the history event, audit, the reporter's notification and the outbox, one transaction
each) against bare SQLAlchemy inserts of the same rows; and how long
``GET /open311/v2/requests.json`` takes to answer 1000 reports against bare Flask serving the
same bytes. Both sides run alternately in the same process, on the same database."""

from __future__ import annotations

import json
import os
import secrets
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response
from sieuapp.core import clock
from sieuapp.core.db import unit_of_work
from sieuapp.core.reports.access import Actor
from sieuapp.core.reports.models import Report, ReportCategory
from sieuapp.core.reports.submit import create_report
from sieuapp.core.tenancy.models import Organization, Tenant
from sieuapp.core.testing import Platform, test_database_url
from sqlalchemy import func, select, update

from . import _wsgi
from ._fixture import HOST, SECRET
from ._report import Row
from ._timing import Rounds, compare

CATEGORY = "bench-o-ga"
REQUESTS_PATH = "/open311/v2/requests.json"
REQUESTS_QUERY = "page_size=1000"
REQUESTS_COUNT = 1000


@dataclass(frozen=True)
class ReportsEffort:
    accept: Rounds
    #: Alternating rounds of timed GETs, and GETs per side in each round.
    latency_rounds: int
    latency_samples: int


FULL = ReportsEffort(
    accept=Rounds(rounds=5, seconds=1.0, warmup_seconds=0.3),
    latency_rounds=5,
    latency_samples=20,
)
QUICK = ReportsEffort(
    accept=Rounds(rounds=2, seconds=0.05, warmup_seconds=0.02),
    latency_rounds=1,
    latency_samples=3,
)


def database_url(given: str | None, sqlite_file: Path) -> tuple[str, bool]:
    """Where to measure, and whether it is a throwaway the benchmark made: PostgreSQL from
    ``SIEUAPP_BENCH_DATABASE_URL`` or ``--database-url`` (emptied), else a database of this
    process's own on the test server (``scripts/test-services env``), else a SQLite file."""
    url = os.environ.get("SIEUAPP_BENCH_DATABASE_URL") or given
    if url:
        return url, False
    if os.environ.get("SIEUAPP_TEST_DATABASE_URL"):
        return test_database_url("bench"), True
    return f"sqlite:///{sqlite_file}", True


class _Deferred:
    """The task backend of a web process whose worker runs elsewhere: what a commit wrote to
    the outbox is left there, so that only accepting the report is measured."""

    name = "deferred"

    def dispatch(self, ids: Iterable[str]) -> None:
        pass

    def drain(self) -> int:
        return 0

    def shutdown(self) -> None:
        pass


class ReportsBench:
    def __init__(self, instance: Path, database_url: str, effort: ReportsEffort) -> None:
        self.effort = effort
        self.platform = Platform.create(
            instance_path=instance,
            plugins=[],
            database_url=database_url,
            secret_key=SECRET,
            debug=False,
        )
        self.platform.runtime.task_backend.shutdown()
        self.platform.runtime.task_backend = _Deferred()
        self.sessionmaker = self.platform.runtime.sessionmaker
        with unit_of_work(self.sessionmaker) as session:
            self.tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == "hue"))
            org_id = session.scalar(
                select(Organization.id).where(
                    Organization.tenant_id == self.tenant_id, Organization.code == "so-xay-dung"
                )
            )
            session.add(
                ReportCategory(
                    tenant_id=self.tenant_id,
                    code=CATEGORY,
                    name="Ổ gà trên đường",
                    name_en="Pothole",
                    organization_id=org_id,
                    deadline_days=5,
                )
            )
        citizen = self.platform.users["citizen"]
        self.actor = Actor(user_id=citizen.id, label="citizen", roles=frozenset({"citizen"}))
        self.sequence = 0
        self.template: dict[str, Any] | None = None

    @property
    def engine(self) -> Any:
        return self.platform.runtime.engine

    def close(self) -> None:
        self.platform.close()

    # -- reports accepted per second ------------------------------------------------------

    def accept(self) -> None:
        """One report through the pipeline, in its own transaction, as a request would."""
        self.sequence += 1
        with self.platform.context() as session:
            create_report(
                session,
                self.tenant_id,
                self.actor,
                category_code=CATEGORY,
                description=f"Ổ gà lớn giữa đường Lê Lợi, số {self.sequence}",
                channel="app",
                lat=16.4637,
                lon=107.5909,
                address="Đường Lê Lợi, phường Thuận Hóa",
            )

    def insert(self) -> None:
        """The same row, written by a bare SQLAlchemy session in its own transaction."""
        if self.template is None:
            self.template = self._template()
        with unit_of_work(self.sessionmaker) as session:
            now = clock.now()
            session.add(
                Report(
                    **self.template,
                    token=secrets.token_urlsafe(24),
                    submitted_at=now,
                    updated_at=now,
                )
            )

    def _template(self) -> dict[str, Any]:
        with unit_of_work(self.sessionmaker) as session:
            first = session.scalars(select(Report).order_by(Report.id).limit(1)).one()
            skip = {"id", "token", "version", "submitted_at", "updated_at"}
            return {
                c.key: getattr(first, c.key)
                for c in Report.__mapper__.column_attrs
                if c.key not in skip
            }

    def accepted_rate(self) -> Row:
        self.accept()  # the template the baseline copies
        pipeline, bare = compare(self.accept, self.insert, self.effort.accept)
        return Row("reports_accepted", "reports/s", "1 tx each", pipeline, bare, None)

    # -- GET requests.json with 1000 results ------------------------------------------------

    def publish(self) -> None:
        """At least 1000 moderated public reports (the rows the rate measure left, plus bare
        copies), as the Open311 list shows them."""
        if self.template is None:
            self.accept()
            self.template = self._template()
        with unit_of_work(self.sessionmaker) as session:
            count = session.scalar(select(func.count()).select_from(Report))
        for _ in range(REQUESTS_COUNT - count):
            self.insert()
        with unit_of_work(self.sessionmaker) as session:
            now = clock.now()
            session.execute(
                update(Report).values(public=True, status="moderated", moderated_at=now)
            )

    def latency_rows(self) -> list[Row]:
        self.publish()
        environ = _wsgi.environ_for(f"{REQUESTS_PATH}?{REQUESTS_QUERY}", HOST)
        environ["QUERY_STRING"] = REQUESTS_QUERY
        status, body = _wsgi.call(self.platform.app, environ)
        if not status.startswith("200"):
            raise SystemExit(f"{REQUESTS_PATH} answered {status}: {body[:500]!r}")
        listed = len(json.loads(body))
        if listed != REQUESTS_COUNT:
            raise SystemExit(f"{REQUESTS_PATH} lists {listed} requests, expected {REQUESTS_COUNT}")
        baseline = _baseline(body)
        status, same = _wsgi.call(baseline, environ)
        if not status.startswith("200") or same != body:
            raise SystemExit("the baseline does not answer requests.json with the same bytes")
        subject_ms, baseline_ms = self._latencies(
            _wsgi.requester(self.platform.app, environ), _wsgi.requester(baseline, environ)
        )
        self.body_size = len(body)
        rows = []
        for label, pick in (("median", statistics.median), ("p95", _p95)):
            rows.append(
                Row(
                    "open311_requests_1000",
                    f"ms {label}",
                    "WSGI direct",
                    pick(subject_ms),
                    pick(baseline_ms),
                    None,
                )
            )
        return rows

    def _latencies(
        self, subject: Callable[[], None], baseline: Callable[[], None]
    ) -> tuple[list[float], list[float]]:
        subject()
        baseline()
        times: dict[int, list[float]] = {0: [], 1: []}
        for i in range(self.effort.latency_rounds):
            order = [(0, subject), (1, baseline)]
            if i % 2:
                order.reverse()
            for side, request in order:
                for _ in range(self.effort.latency_samples):
                    started = time.perf_counter()
                    request()
                    times[side].append((time.perf_counter() - started) * 1000)
        return times[0], times[1]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _baseline(body: bytes) -> Flask:
    app = Flask("bench_reports_baseline", static_folder=None)

    @app.get(REQUESTS_PATH)
    def requests_json() -> Response:
        return Response(body, mimetype="application/json")

    return app
