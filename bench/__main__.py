"""``uv run python -m bench``: the sieuapp host against bare Flask, both measured in this run.

Prints requests/s of a plugin route and of ``/api/v1/modules`` (50 plugins installed and
enabled) against bare Flask apps answering the same bytes, called directly through WSGI and
over HTTP on loopback, and the time to load 50 plugins; then the report pipeline: reports
accepted per second against bare inserts of the same rows, and the latency of the Open311 list
of 1000 requests against bare Flask serving the same bytes. Alerts (``--only alerts``) and the
taxi plugin's nearest-driver matching (``--only taxi``) run only when asked. See
bench/README.md."""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import _alerts, _http, _payments, _reports, _taxi, _wsgi
from ._fixture import (
    HOST,
    MODULES_PATH,
    ROUTE_PATH,
    Bodies,
    baseline_app,
    make_platform,
    plugin_ids,
    write_plugins,
)
from ._report import Row, environment, table
from ._timing import Rounds, compare

ROOT = Path(__file__).resolve().parent.parent
ROUTE_TARGET = 0.7
MODULES_TARGET = 0.8
LOAD_TARGET_MS = 300


@dataclass(frozen=True)
class Effort:
    wsgi: Rounds
    http: Rounds
    #: Fresh processes timing the plugin load (one more first, to write bytecode).
    load_rounds: int
    profile_requests: int


FULL = Effort(
    wsgi=Rounds(rounds=5, seconds=1.0, warmup_seconds=0.5),
    http=Rounds(rounds=3, seconds=1.5, warmup_seconds=0.5),
    load_rounds=5,
    profile_requests=2000,
)
QUICK = Effort(
    wsgi=Rounds(rounds=2, seconds=0.05, warmup_seconds=0.02),
    http=Rounds(rounds=1, seconds=0.1, warmup_seconds=0.02),
    load_rounds=1,
    profile_requests=50,
)


def note(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short rounds (the smoke test)")
    parser.add_argument("--no-http", action="store_true", help="skip the loopback HTTP lines")
    parser.add_argument(
        "--profile", action="store_true", help="also print where the platform's requests spend time"
    )
    parser.add_argument("--plugins", type=int, default=50, help="synthetic plugins (default 50)")
    parser.add_argument(
        "--database-url",
        help="a THROWAWAY database: it is emptied; default: SQLite file in a temporary folder",
    )
    parser.add_argument(
        "--only",
        choices=("host", "reports", "alerts", "payments", "taxi"),
        help="run one part: the plugin host measures, the report pipeline's, the alerts' "
        "(only when asked: they fill a million users), payments' or the taxi plugin's "
        "nearest-driver matching (only when asked: it fills 100,000 drivers)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.plugins <= 100:
        parser.error(f"--plugins: {args.plugins} is not a number from 1 to 100")
    effort = QUICK if args.quick else FULL
    began = time.perf_counter()
    rows: list[Row] = []
    details: list[str] = []
    with tempfile.TemporaryDirectory(prefix="sieuapp-bench-") as tmp:
        if args.only is None or args.only == "host":
            bench = Bench(Path(tmp), args.plugins, effort, args.database_url)
            rows, details = bench.run(http=not args.no_http, profile=args.profile)
        if args.only == "alerts":
            rows, details = _alerts_run(Path(tmp), args.database_url, args.quick)
        if args.only is None or args.only == "reports":
            more, lines = _report_pipeline(Path(tmp), args.database_url, args.quick)
            rows += more
            details += lines
        if args.only is None or args.only == "payments":
            more, lines = _payments_run(Path(tmp), args.database_url, args.quick)
            rows += more
            details += lines
        if args.only == "taxi":
            more, lines = _taxi_run(Path(tmp), args.database_url, args.quick)
            rows += more
            details += lines
    print()
    print(table(rows))
    for line in details:
        print(line)
    mode = "quick" if args.quick else "full"
    print(f"\ntotal time {time.perf_counter() - began:.1f} s ({mode} run)")
    return 0


class Bench:
    def __init__(self, tmp: Path, count: int, effort: Effort, database_url: str | None) -> None:
        self.tmp = tmp
        self.ids = plugin_ids(count)
        self.effort = effort
        self.plugin_dir = tmp / "site"
        self.instance = tmp / "instance"
        self.temporary_db = database_url is None
        self.database_url = database_url or f"sqlite:///{self.instance / 'bench.sqlite3'}"
        self.modules_measure = f"modules_{count}"
        self.load_measure = f"load_{count}_plugins"

    def run(self, http: bool, profile: bool) -> tuple[list[Row], list[str]]:
        count = len(self.ids)
        note(f"writing {count} synthetic plugin distributions")
        write_plugins(self.plugin_dir, self.ids)
        note("creating the platform: migrations, tenant hue, every plugin installed and enabled")
        platform = make_platform(self.instance, self.database_url, self.ids)
        rows: list[Row] = []
        try:
            self._print_environment(platform.runtime.engine)
            route_env = _wsgi.environ_for(ROUTE_PATH, HOST)
            modules_env = _wsgi.environ_for(MODULES_PATH, HOST)
            bodies = _platform_bodies(platform.app, route_env, modules_env, count)
            baseline = baseline_app(bodies)
            _check_same(baseline, route_env, bodies.route, "the plugin route")
            _check_same(baseline, modules_env, bodies.modules, MODULES_PATH)

            for measure, environ, target in (
                ("plugin_route", route_env, ROUTE_TARGET),
                (self.modules_measure, modules_env, MODULES_TARGET),
            ):
                note(f"{environ['PATH_INFO']}, WSGI direct")
                s, b = compare(
                    _wsgi.requester(platform.app, environ),
                    _wsgi.requester(baseline, environ),
                    self.effort.wsgi,
                )
                rows.append(Row(measure, "req/s", "WSGI direct", s, b, ("ratio", target)))
            if profile:
                for environ in (route_env, modules_env):
                    print(_profile(platform.app, environ, self.effort.profile_requests))
            if http:
                rows.extend(self._over_http(bodies))
        finally:
            platform.close()

        note(f"loading {count} plugins in fresh processes")
        load = self._load_times()
        rows.append(
            Row(
                self.load_measure,
                "ms",
                "create_app delta",
                load["delta"] * 1000,
                load["none"] * 1000,
                ("below", LOAD_TARGET_MS),
            )
        )
        details = [
            "",
            f"{self.load_measure}: create_app discovering the {count} plugins through entry "
            f"points {load['with'] * 1000:.1f} ms, minus create_app with none "
            f"{load['none'] * 1000:.1f} ms (the baseline column). The plugin host alone: "
            f"discovery + import + validation {load['discover'] * 1000:.1f} ms, "
            f"startup + mounting {load['start'] * 1000:.1f} ms.",
            f"{self.modules_measure}: the baseline serves the same {len(bodies.modules)} JSON "
            f"bytes ({count} modules); the platform also resolves the tenant and the caller, "
            "and answers with an ETag (304 to If-None-Match).",
        ]
        return rows, details

    def _print_environment(self, engine: object) -> None:
        print("environment")
        for key, value in environment(engine, self.temporary_db):  # type: ignore[arg-type]
            print(f"  {key:<9} {value}")
        wsgi, http = self.effort.wsgi, self.effort.http
        print(
            f"  method    medians of {wsgi.rounds} alternating rounds of {wsgi.seconds:g} s "
            f"per app (WSGI), {http.rounds} of {http.seconds:g} s (HTTP); "
            f"plugin load: {self.effort.load_rounds} fresh processes"
        )

    def _over_http(self, bodies: Bodies) -> list[Row]:
        body_file = self.tmp / "modules.json"
        body_file.write_bytes(bodies.modules)
        env = {
            "BENCH_PLUGIN_DIR": str(self.plugin_dir),
            "BENCH_PLUGINS": ",".join(self.ids),
            "BENCH_INSTANCE": str(self.instance),
            "BENCH_DATABASE_URL": self.database_url,
            "BENCH_MODULES_BODY": str(body_file),
        }
        note("starting gunicorn for the platform and for the baseline")
        rows = []
        with (
            _http.served("sieuapp_app", env, self.tmp / "gunicorn-sieuapp.log") as subject_port,
            _http.served("bare_app", env, self.tmp / "gunicorn-baseline.log") as baseline_port,
        ):
            subject = _http.Client(subject_port, HOST)
            baseline = _http.Client(baseline_port, HOST)
            try:
                for path, expected, measure, target in (
                    (ROUTE_PATH, bodies.route, "plugin_route", ROUTE_TARGET),
                    (MODULES_PATH, bodies.modules, self.modules_measure, MODULES_TARGET),
                ):
                    for client, name in ((subject, "platform"), (baseline, "baseline")):
                        status, body = client.get(path)
                        if status != 200 or body != expected:
                            raise SystemExit(
                                f"over HTTP the {name} answers {path} with {status}: {body[:300]!r}"
                            )
                    note(f"{path}, HTTP loopback")
                    s, b = compare(
                        subject.requester(path), baseline.requester(path), self.effort.http
                    )
                    rows.append(Row(measure, "req/s", "HTTP loopback", s, b, ("ratio", target)))
            finally:
                subject.close()
                baseline.close()
        return rows

    def _load_times(self) -> dict[str, float]:
        instance = self.tmp / "load"
        instance.mkdir(parents=True, exist_ok=True)

        def probe() -> dict[str, float]:
            done = subprocess.run(
                [sys.executable, "-m", "bench._load", str(self.plugin_dir), str(instance)]
                + self.ids,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise SystemExit(f"the plugin load probe failed:\n{done.stdout}\n{done.stderr}")
            return json.loads(done.stdout.strip().splitlines()[-1])

        if self.effort.load_rounds > 1:
            probe()  # writes the plugins' bytecode, as an installed package has it
        samples = [probe() for _ in range(self.effort.load_rounds)]
        result = {key: statistics.median(s[key] for s in samples) for key in samples[0]}
        result["delta"] = statistics.median(s["with"] - s["none"] for s in samples)
        return result


def _report_pipeline(tmp: Path, given_url: str | None, quick: bool) -> tuple[list[Row], list[str]]:
    url, own = _reports.database_url(given_url, tmp / "reports" / "reports.sqlite3")
    note("creating a platform for the report pipeline (no plugins)")
    bench = _reports.ReportsBench(tmp / "reports", url, _reports.QUICK if quick else _reports.FULL)
    try:
        database = dict(environment(bench.engine, own))["database"]
        note("reports accepted per second: pipeline against bare inserts")
        rows = [bench.accepted_rate()]
        note(f"{_reports.REQUESTS_PATH} with {_reports.REQUESTS_COUNT} results")
        rows += bench.latency_rows()
    finally:
        bench.close()
    details = [
        "",
        f"report pipeline database: {database}",
        "reports_accepted: create_report (validation, routing, history event, audit, the "
        "reporter's notification, outbox rows) one transaction each, against a bare SQLAlchemy "
        "session inserting the same Report row one transaction each; the ratio is the share of "
        "the bare rate the pipeline keeps.",
        f"open311_requests_1000: GET {_reports.REQUESTS_PATH}?{_reports.REQUESTS_QUERY} answering "
        f"{_reports.REQUESTS_COUNT} requests ({bench.body_size} bytes) against bare Flask "
        "returning the same bytes; the ratio is how many times longer the platform takes.",
    ]
    return rows, details


def _payments_run(tmp: Path, given_url: str | None, quick: bool) -> tuple[list[Row], list[str]]:
    url, own = _reports.database_url(given_url, tmp / "payments" / "payments.sqlite3")
    note("creating a platform for payments (the VNPay plugin, configured)")
    bench = _payments.PaymentsBench(tmp / "payments", url)
    try:
        database = dict(environment(bench.engine, own))["database"]
        note("payments per second: intent, checkout, IPN against bare inserts")
        rows = [bench.rate(_payments.QUICK if quick else _payments.FULL)]
    finally:
        bench.close()
    details = [
        "",
        f"payments database: {database}",
        "payments_settled: POST /api/v1/payments, POST …/checkout (VNPay signs the URL) and the "
        "signed VNPay IPN (verification, checks in VNPay's order, row lock, two ledger transfers, "
        "the payer's notification, outbox rows), three transactions through WSGI, against bare "
        "SQLAlchemy inserts of the same payment, attempt, events, transfers and entries in three "
        "transactions; the ratio is the share of the bare rate the platform keeps.",
    ]
    return rows, details


def _taxi_run(tmp: Path, given_url: str | None, quick: bool) -> tuple[list[Row], list[str]]:
    url, own = _reports.database_url(given_url, tmp / "taxi" / "taxi.sqlite3")
    effort = _taxi.QUICK if quick else _taxi.FULL
    note("creating a platform for the taxi plugin's matching (plugin taxi installed)")
    bench = _taxi.TaxiBench(tmp / "taxi", url, effort)
    try:
        database = dict(environment(bench.engine, own))["database"]
        counts = ", ".join(f"{count:,}" for count in effort.counts)
        note(f"nearest() against a primary-key select, {counts} drivers")
        rows = bench.rows()
        plan = re.sub(r"'\{[^}]{60,}\}'", _elided, bench.plan())
    finally:
        bench.close()
    details = [
        "",
        f"taxi database: {database}",
        f"taxi_nearest: sieuapp_taxi.matching.nearest (a {_taxi.SEATS}-seat car of "
        f"{' or '.join(_taxi.FIRMS)}, within {_taxi.RADIUS_M:,} m of a pickup near Huế's "
        f"centre, position newer than {_taxi.FRESH_S} s) against a primary-key select of one "
        "driver's id and position, in the same session; the ratio is how many times longer "
        "matching takes.",
    ]
    for count in effort.counts:
        found, entries, returned = bench.found[count]
        details.append(
            f"  {count:,} drivers, per call on average: {entries:,.0f} index entries in the "
            f"pickup's grid cells, {returned:,.0f} rows returned (fresh, of the firms) whose "
            f"distance Python computes, {found:.1f} candidates kept (at most 10)"
        )
    details.append(f"  plan at {effort.counts[-1]:,} drivers: {plan}")
    if _taxi.TARGET_DRIVERS in bench.timed:
        median, p95 = bench.timed[_taxi.TARGET_DRIVERS]
        verdict = "met" if median < _taxi.TARGET_MS else "not met"
        details.append(
            f"taxi target: nearest() under {_taxi.TARGET_MS:g} ms at "
            f"{_taxi.TARGET_DRIVERS:,} drivers: median {median:.2f} ms ({verdict}), "
            f"p95 {p95:.2f} ms ({'met' if p95 < _taxi.TARGET_MS else 'not met'})"
        )
    else:
        details.append(
            f"taxi target: nearest() under {_taxi.TARGET_MS:g} ms at "
            f"{_taxi.TARGET_DRIVERS:,} drivers: not measured in a quick run"
        )
    return rows, details


def _elided(match: re.Match[str]) -> str:
    """A long array literal of a plan (the grid cells) as its length."""
    return f"'{{{match[0].count(',') + 1} values}}'"


def _alerts_run(tmp: Path, given_url: str | None, quick: bool) -> tuple[list[Row], list[str]]:
    url, own = _reports.database_url(given_url, tmp / "alerts.sqlite3")
    effort = _alerts.QUICK if quick else _alerts.FULL
    note("creating a platform for the alerts (a no-op push channel plugin)")
    bench = _alerts.AlertsBench(tmp, url, effort)
    try:
        database = dict(environment(bench.engine, own))["database"]
        note(f"publishing to {effort.small:,} users against {effort.large:,} (filling users)")
        rows = bench.publish_rows()
        note(f"one user's inbox among {effort.alerts:,} alerts against a primary-key select")
        rows += bench.inbox_rows()
        note("pushes through the delivery task and a no-op channel against a bare UPDATE")
        rows += bench.push_rows()
    finally:
        bench.close()
    details = [
        "",
        f"alerts database: {database}",
        f"alert_publish: publishing.publish (targets, audit, fan-out task, commit) of an alert "
        f"to a commune of {effort.large:,} users (sieuapp column) against one of "
        f"{effort.small:,} (baseline column); a ratio near 1 means the cost does not grow with "
        "the recipients.",
        f"alert_inbox: one user's alert inbox (their areas, a page of 20, the total; "
        f"{bench.inbox_alerts} of the {effort.alerts:,} alerts reach them, "
        f"{effort.large + effort.small:,} users registered) against a primary-key select.",
        f"alert_pushes: notifications.sending.deliver of {effort.batch} pending pushes per call "
        "(claim, the no-op plugin's deliver_notifications hook, outcomes) against a bare UPDATE "
        "marking as many rows sent; the ratio is the share of the bare rate kept.",
    ]
    return rows, details


def _platform_bodies(app: _wsgi.WsgiApp, route_env: dict, modules_env: dict, count: int) -> Bodies:
    status, route = _wsgi.call(app, route_env)
    if not status.startswith("200"):
        raise SystemExit(f"{ROUTE_PATH} answered {status}: {route[:500]!r}")
    status, modules = _wsgi.call(app, modules_env)
    if not status.startswith("200"):
        raise SystemExit(f"{MODULES_PATH} answered {status}: {modules[:500]!r}")
    listed = len(json.loads(modules)["modules"])
    if listed != count:
        raise SystemExit(f"{MODULES_PATH} lists {listed} modules, expected {count}")
    return Bodies(route=route, modules=modules)


def _check_same(app: _wsgi.WsgiApp, environ: dict, expected: bytes, what: str) -> None:
    status, body = _wsgi.call(app, environ)
    if not status.startswith("200") or body != expected:
        raise SystemExit(f"the baseline does not answer {what} with the same bytes: {body!r}")


def _profile(app: _wsgi.WsgiApp, environ: dict, requests: int) -> str:
    """cProfile of ``requests`` platform requests, the costliest calls first."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        _wsgi.call(app, environ)
    profiler.disable()
    out = io.StringIO()
    out.write(f"\nprofile of {requests} platform requests to {environ['PATH_INFO']}\n")
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    return out.getvalue()


if __name__ == "__main__":
    sys.exit(main())
