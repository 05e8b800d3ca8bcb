"""Module usage: a signed-in person who passes a module's gate is recorded once per module and
Vietnam's day, with their home commune, without a query on the requests after the first; the
province reads distinct users per day or per commune (JSON or CSV), for its own tenant only; the
rows are in the person's export and go at erasure."""

from __future__ import annotations

import csv
import io
import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from sieuapp.core.db import unit_of_work
from sieuapp.core.demo import usage as demo_usage
from sieuapp.core.identity.models import User
from sieuapp.core.identity.passwords import hash_password
from sieuapp.core.plugins import usage
from sieuapp.core.plugins.models import ModuleUsage
from sieuapp.core.tenancy.models import AdministrativeUnit, Tenant
from sieuapp.core.tenancy.provinces import create_tenant
from sqlalchemy import event, select

from .pages_helpers import PASSWORD
from .support import install_clock

API = "/api/v1/admin/modules/usage"
#: 10:00 in Huế on 2026-12-01.
MORNING = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)

REFUSE_ROUTE = """
def _refuse():
    from flask import jsonify
    return jsonify(code="conflict", message="no", errors={}), 409
"""


def source(synthetic, plugin_id: str, roles: tuple[str, ...]) -> str:
    """The standard synthetic plugin, plus ``GET /refuse`` which answers 409."""
    text = synthetic.source(plugin_id, roles=roles, extra=REFUSE_ROUTE)
    return text.replace(
        "    return bp\n", '    bp.add_url_rule("/refuse", view_func=_refuse)\n    return bp\n'
    )


@pytest.fixture
def platform(make_platform, synthetic):
    synthetic("xeom", source(synthetic, "xeom", ("citizen",)))
    synthetic("public", source(synthetic, "public", ("anonymous",)))
    synthetic("officials", source(synthetic, "officials", ("official",)))
    synthetic("hidden", source(synthetic, "hidden", ("anonymous",)))
    platform = make_platform(entry_points=synthetic.entry_points())
    for plugin_id in ("xeom", "public", "officials"):
        platform.install(plugin_id)
    platform.install("hidden", enable=False)
    return platform


@pytest.fixture
def clock(monkeypatch):
    return install_clock(monkeypatch, MORNING)


def recorded(platform) -> list[tuple[str, date, str, str | None]]:
    with unit_of_work(platform.runtime.sessionmaker) as session:
        rows = session.scalars(select(ModuleUsage).order_by(ModuleUsage.id))
        return [(r.plugin_id, r.day, r.user_id, r.unit_code) for r in rows]


def another_worker(platform) -> None:
    """Forget what this process wrote today, as a second worker would not know it."""
    platform.app.extensions.pop(usage.WRITTEN, None)


def units(platform, n: int) -> list[tuple[str, str]]:
    """``n`` wards or communes of the tenant: (code, name)."""
    with unit_of_work(platform.runtime.sessionmaker) as session:
        rows = session.execute(
            select(AdministrativeUnit.code, AdministrativeUnit.name)
            .join(Tenant, Tenant.id == AdministrativeUnit.tenant_id)
            .where(Tenant.slug == "hue")
            .order_by(AdministrativeUnit.code)
            .limit(n)
        ).all()
    return [tuple(row) for row in rows]


def set_home(platform, role: str, code: str) -> None:
    answer = platform.client(role).put("/api/v1/me/areas/home", json={"unit_code": code})
    assert answer.status_code == 200, answer.json


def usage_statements(platform):
    """The SQL statements that touch the usage table or the areas, as they run."""
    seen: list[str] = []

    def listen(conn, cursor, statement, *args):
        if "module_usage" in statement or "user_areas" in statement:
            seen.append(statement)

    event.listen(platform.runtime.engine, "before_cursor_execute", listen)
    return seen


# -- recording -------------------------------------------------------------------------------


def test_a_person_is_recorded_once_a_day_and_the_next_requests_cost_no_query(platform, clock):
    client = platform.client("citizen")
    citizen = platform.users["citizen"].id
    statements = usage_statements(platform)
    assert client.get("/m/xeom/hello").status_code == 200
    assert statements, "the first use is written"
    statements.clear()
    for _ in range(20):
        clock.advance(60)
        assert client.get("/m/xeom/hello").status_code == 200
    assert statements == []
    assert recorded(platform) == [("xeom", date(2026, 12, 1), citizen, None)]


def test_another_worker_writing_the_same_use_adds_no_row(platform, clock):
    client = platform.client("citizen")
    client.get("/m/xeom/hello")
    another_worker(platform)
    assert client.get("/m/xeom/hello").status_code == 200
    assert len(recorded(platform)) == 1


def test_days_are_vietnams(platform, clock):
    client = platform.client("citizen")
    # 23:59:59 in Huế is 16:59:59 UTC: still the 1st there; a second later, the 2nd.
    clock.now = datetime(2026, 12, 1, 16, 59, 59, tzinfo=UTC)
    client.get("/m/xeom/hello")
    clock.advance(1)
    client.get("/m/xeom/hello")
    clock.advance(3600)
    client.get("/m/xeom/hello")
    assert [day for _, day, _, _ in recorded(platform)] == [date(2026, 12, 1), date(2026, 12, 2)]


def test_the_home_commune_is_recorded_and_each_module_apart(platform, clock):
    (code, _name), *_ = units(platform, 1)
    set_home(platform, "citizen", code)
    client = platform.client("citizen")
    client.get("/m/xeom/hello")
    client.get("/m/public/hello")
    citizen = platform.users["citizen"].id
    assert recorded(platform) == [
        ("xeom", date(2026, 12, 1), citizen, code),
        ("public", date(2026, 12, 1), citizen, code),
    ]


def test_anonymous_use_is_not_recorded(platform, clock):
    assert platform.client().get("/m/public/hello").status_code == 200
    assert recorded(platform) == []
    platform.client("official").get("/m/public/hello")
    assert [(m, u) for m, _, u, _ in recorded(platform)] == [
        ("public", platform.users["official"].id)
    ]


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("citizen", "/m/hidden/hello", 404),  # installed, switched off
        ("citizen", "/m/officials/hello", 403),  # not the role
        (None, "/m/xeom/hello", 401),  # signed out, module for citizens
    ],
)
def test_a_refused_caller_is_not_recorded(platform, clock, role, path, status):
    assert platform.client(role).get(path).status_code == status
    assert recorded(platform) == []


def test_a_view_answering_an_error_still_counts_the_use(platform, clock):
    # The person reached the module; the view's rollback is its own transaction's.
    assert platform.client("citizen").get("/m/xeom/refuse").status_code == 409
    assert len(recorded(platform)) == 1


def test_a_failing_write_never_fails_the_request_and_is_not_retried_all_day(
    platform, clock, monkeypatch, caplog
):
    calls: list[usage.Use] = []

    def broken(session, use):
        calls.append(use)
        raise RuntimeError("attempt to write a readonly database")

    monkeypatch.setattr(usage, "write", broken)
    client = platform.client("citizen")
    with caplog.at_level(logging.ERROR, logger="sieuapp.plugins.usage"):
        for _ in range(3):
            assert client.get("/m/xeom/hello").status_code == 200
    assert len(calls) == 1
    assert "could not record the use of module 'xeom'" in caplog.text
    assert recorded(platform) == []


# -- the API ---------------------------------------------------------------------------------


@pytest.fixture
def used(platform, clock):
    """Usage over three days of December 2026, written as the gate writes it.

    Dec 1: citizen (home A) xeom and public, official (home B) xeom;
    Dec 2: citizen xeom, partner (no home) xeom; Dec 3: citizen (home now B) xeom."""
    (a, a_name), (b, b_name) = units(platform, 2)
    ids = {role: platform.users[role].id for role in ("citizen", "official", "partner_staff")}
    with unit_of_work(platform.runtime.sessionmaker) as session:
        hue = session.scalar(select(Tenant.id).where(Tenant.slug == "hue"))
        rows = [
            ("xeom", 1, "citizen", a),
            ("public", 1, "citizen", a),
            ("xeom", 1, "official", b),
            ("xeom", 2, "citizen", a),
            ("xeom", 2, "partner_staff", None),
            ("xeom", 3, "citizen", b),
        ]
        for module, day, role, code in rows:
            session.add(
                ModuleUsage(
                    tenant_id=hue,
                    plugin_id=module,
                    day=date(2026, 12, day),
                    user_id=ids[role],
                    unit_code=code,
                )
            )
    return {"a": (a, a_name), "b": (b, b_name)}


def ask(platform, query: str = "", role: str = "province_admin", **headers):
    return platform.client(role).get(f"{API}?{query}", headers=headers)


def test_users_by_day_with_every_day_of_the_range(platform, used):
    answer = ask(platform, "from=2026-11-30&to=2026-12-03")
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert (body["by"], body["from"], body["to"], body["module"]) == (
        "day",
        "2026-11-30",
        "2026-12-03",
        None,
    )
    assert body["time_zone"] == "Asia/Ho_Chi_Minh"
    assert [(r["module"], r["day"], r["users"]) for r in body["rows"]] == [
        ("public", "2026-11-30", 0),
        ("public", "2026-12-01", 1),
        ("public", "2026-12-02", 0),
        ("public", "2026-12-03", 0),
        ("xeom", "2026-11-30", 0),
        ("xeom", "2026-12-01", 2),
        ("xeom", "2026-12-02", 2),
        ("xeom", "2026-12-03", 1),
    ]
    assert body["rows"][0]["module_name"] == "Dịch vụ public"
    # Distinct people over the range: the citizen came three days, counted once.
    assert [(t["module"], t["users"]) for t in body["totals"]] == [("public", 1), ("xeom", 3)]


def test_the_default_range_is_the_last_30_days_by_day(platform, used, clock):
    clock.now = datetime(2026, 12, 30, 17, 30, tzinfo=UTC)  # the 31st in Huế
    body = ask(platform, "module=xeom").json
    days = [r["day"] for r in body["rows"]]
    assert (body["from"], body["to"]) == ("2026-12-02", "2026-12-31")
    assert len(days) == 30 and days[0] == "2026-12-02" and days[-1] == "2026-12-31"
    assert [r["users"] for r in body["rows"] if r["users"]] == [2, 1]


def test_one_module_with_english_names(platform, used):
    body = ask(platform, "from=2026-12-01&to=2026-12-01&module=public", **{"Accept-Language": "en"})
    assert body.json["rows"] == [
        {"module": "public", "module_name": "Service public", "day": "2026-12-01", "users": 1}
    ]
    # A module nobody used shows its days at zero.
    body = ask(platform, "from=2026-12-01&to=2026-12-02&module=officials").json
    assert [(r["day"], r["users"]) for r in body["rows"]] == [
        ("2026-12-01", 0),
        ("2026-12-02", 0),
    ]
    assert body["totals"] == []


def test_users_by_commune_over_the_range(platform, used):
    (a, a_name), (b, b_name) = used["a"], used["b"]
    body = ask(platform, "from=2026-12-01&to=2026-12-03&by=commune").json
    assert body["by"] == "commune"
    assert [(r["module"], r["commune"], r["users"]) for r in body["rows"]] == [
        ("public", {"code": a, "name": a_name}, 1),
        # The citizen moved from A to B on the 3rd: counted in each; most used first.
        ("xeom", {"code": b, "name": b_name}, 2),
        ("xeom", {"code": a, "name": a_name}, 1),
        ("xeom", {"code": None, "name": "Chưa rõ"}, 1),
    ]
    english = ask(platform, "from=2026-12-02&to=2026-12-02&by=commune", **{"Accept-Language": "en"})
    assert {"code": None, "name": "Unknown"} in [r["commune"] for r in english.json["rows"]]


def test_csv_by_day_and_by_commune(platform, used):
    answer = ask(platform, "from=2026-12-01&to=2026-12-02&module=xeom&format=csv")
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert "module-usage-hue-day-2026-12-01-2026-12-02.csv" in answer.headers["Content-Disposition"]
    text = answer.data.decode("utf-8")
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff")))) == [
        ["module", "module_name", "day", "users"],
        ["xeom", "Dịch vụ xeom", "2026-12-01", "2"],
        ["xeom", "Dịch vụ xeom", "2026-12-02", "2"],
    ]
    answer = ask(platform, "from=2026-12-02&to=2026-12-02&by=commune", Accept="text/csv")
    table = list(csv.reader(io.StringIO(answer.data.decode("utf-8").lstrip("\ufeff"))))
    a, a_name = used["a"]
    assert table == [
        ["module", "module_name", "commune_code", "commune_name", "users"],
        ["xeom", "Dịch vụ xeom", a, a_name, "1"],
        ["xeom", "Dịch vụ xeom", "", "Chưa rõ", "1"],
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-02-30", "from"),
        ("from=01/12/2026", "from"),
        ("from=2026-12-01T00:00:00", "from"),
        ("to=tomorrow", "to"),
        ("from=2026-12-02&to=2026-12-01", "from"),
        ("from=2025-11-30&to=2026-12-01", "from"),  # 367 days
        ("to=2026-12-01&from=", "from"),
        ("by=week", "by"),
        ("module=taxi-nope", "module"),
        ("module=", "module"),
        ("format=xlsx", "format"),
    ],
)
def test_bad_input_is_422_naming_the_field(platform, clock, query, field):
    answer = ask(platform, query)
    assert answer.status_code == 422, answer.json
    assert answer.json["code"] == "invalid_input"
    assert list(answer.json["errors"]) == [field]


def test_a_year_with_a_leap_day_is_allowed(platform, clock):
    assert ask(platform, "from=2027-03-01&to=2028-02-29").status_code == 200


@pytest.mark.parametrize(
    ("role", "status"), [("citizen", 403), ("partner_staff", 403), (None, 401)]
)
def test_only_the_province_reads_usage_and_before_its_input_is_read(platform, clock, role, status):
    answer = ask(platform, "by=nonsense", role=role)
    assert answer.status_code == status
    assert answer.json["errors"] == {}


def test_the_ioc_reads_usage(platform, used):
    assert ask(platform, "from=2026-12-01&to=2026-12-01", role="ioc_operator").status_code == 200


def test_another_tenants_usage_is_never_seen(platform, used):
    with unit_of_work(platform.runtime.sessionmaker) as session:
        other = create_tenant(session, "danang", 48)
        session.flush()
        session.add(
            ModuleUsage(
                tenant_id=other.id,
                plugin_id="xeom",
                day=date(2026, 12, 1),
                user_id=platform.users["ioc_operator"].id,
            )
        )
    body = ask(platform, "from=2026-12-01&to=2026-12-01&module=xeom").json
    assert [r["users"] for r in body["rows"]] == [2]
    # Hue's admin token is no token on Đà Nẵng's host.
    other = platform.client("province_admin", tenant="danang").get(API)
    assert other.status_code == 401


# -- personal data ---------------------------------------------------------------------------


def test_usage_is_exported_and_erased_with_the_account(platform, clock):
    (code, _), *_ = units(platform, 1)
    set_home(platform, "citizen", code)
    client = platform.client("citizen")
    client.get("/m/xeom/hello")
    clock.advance(timedelta(days=1).total_seconds())
    client.get("/m/xeom/hello")
    platform.client("official").get("/m/public/hello")
    exported = client.get("/api/v1/me/data").json["module_usage"]
    assert exported == [
        {"tenant": "hue", "module": "xeom", "day": "2026-12-01", "unit_code": code},
        {"tenant": "hue", "module": "xeom", "day": "2026-12-02", "unit_code": code},
    ]
    with unit_of_work(platform.runtime.sessionmaker) as session:
        session.get(User, platform.users["citizen"].id).password_hash = hash_password(PASSWORD)
    answer = client.post("/api/v1/me/erasure", json={"password": PASSWORD, "confirm": "citizen"})
    assert answer.status_code == 200, answer.json
    (item,) = [i for i in answer.json["erased"] if i["category"] == "module_usage"]
    assert item["count"] == 2 and item["what"]["vi"] and item["what"]["en"]
    # The official's use stays; the citizen's is gone.
    assert [u for _, _, u, _ in recorded(platform)] == [platform.users["official"].id]


# -- the demo --------------------------------------------------------------------------------


def test_the_demo_records_two_weeks_of_its_accounts_habits_once(platform, clock):
    with platform.context() as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == "hue"))
        # The test platform has the demo's citizen and official, not its drivers.
        assert demo_usage.seed_usage(session, tenant_id, ["hotlines", "taxi"]) == 7 + 5 + 4
        assert demo_usage.seed_usage(session, tenant_id, ["hotlines", "taxi"]) == 0
    days = {day for _, day, _, _ in recorded(platform)}
    assert max(days) == date(2026, 12, 1) and min(days) == date(2026, 11, 18)
