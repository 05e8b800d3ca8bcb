"""Report statistics: exact numbers on a set built by hand, grouped every way, in Vietnam's
time zone, as JSON and as CSV that Excel reads."""

from __future__ import annotations

import csv
import io
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sieuapp.core.reports.models import Report, ReportCategory, ReportEvent
from sieuapp.core.tenancy.models import Organization, Tenant
from sieuapp.core.tenancy.provinces import create_tenant
from sqlalchemy import select

from .support import install_clock

STATS = "/api/v1/public/reports/stats"
H = timedelta(hours=1)
D = timedelta(days=1)


def _at(day: int, hour: int = 2, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def built(platform, monkeypatch) -> None:
    install_clock(monkeypatch, _at(20, 0))
    with platform.context() as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == "hue"))

        def org(code: str) -> int:
            return session.scalar(
                select(Organization.id).where(
                    Organization.tenant_id == tenant_id, Organization.code == code
                )
            )

        x, y = org("so-xay-dung"), org("so-y-te")
        categories = {}
        for code, name in (("test-a", "Ổ gà"), ("test-b", "Rác thải")):
            category = ReportCategory(tenant_id=tenant_id, code=code, name=name, name_en=code)
            session.add(category)
            session.flush()
            categories[code] = category.id

        def add(category: str, org_id: int | None, submitted: datetime, **fields: Any) -> Report:
            report = Report(
                tenant_id=tenant_id,
                category_id=categories[category],
                organization_id=org_id,
                token=secrets.token_urlsafe(24),
                description="x",
                submitted_at=submitted,
                **fields,
            )
            session.add(report)
            session.flush()
            return report

        # Handled in 10 h, before its deadline; satisfied.
        add(
            "test-a",
            x,
            _at(3),
            status="closed",
            resolved_at=_at(3) + 10 * H,
            deadline_at=_at(3) + 5 * D,
            rating="satisfied",
        )
        # Handled in 30 h, 6 h late; not satisfied, disputed twice.
        late = add(
            "test-a",
            x,
            _at(4),
            status="closed",
            resolved_at=_at(4) + 30 * H,
            deadline_at=_at(4) + D,
            rating="not_satisfied",
            disputes=2,
        )
        for n in range(2):
            session.add(
                ReportEvent(
                    report_id=late.id,
                    tenant_id=tenant_id,
                    action="dispute",
                    from_status="closed",
                    to_status="assigned",
                    at=_at(6) + n * D,
                )
            )
        # Handled in 20 h, on time; accepted.
        add(
            "test-b",
            y,
            _at(5),
            status="resolved",
            resolved_at=_at(5) + 20 * H,
            deadline_at=_at(5) + 2 * D,
            rating="accepted",
        )
        # Still open, past its deadline.
        add("test-b", y, _at(6), status="in_progress", deadline_at=_at(6) + 3 * D)
        add("test-b", None, _at(7), status="dismissed")
        add("test-a", x, _at(8), status="merged")
        # 00:30 on 1 March in Huế, still February in UTC; open, deadline ahead.
        add("test-a", x, _at(28, 17, 30, month=2), status="assigned", deadline_at=_at(25))
        # 23:30 on 28 February in Huế.
        add("test-b", None, _at(28, 16, 30, month=2), status="submitted")
        create_tenant(session, "danang", 48)


def _metrics(**values: Any) -> dict[str, Any]:
    base = {
        "received": 0, "handled": 0, "handled_pct": None, "on_time": 0, "on_time_pct": None,
        "median_hours": None, "satisfied": 0, "accepted": 0, "not_satisfied": 0,
        "satisfied_pct": None, "accepted_pct": None, "not_satisfied_pct": None,
        "disputes": 0, "dismissed": 0, "merged": 0, "open": 0, "overdue": 0,
    }  # fmt: skip
    unknown = set(values) - set(base)
    assert not unknown, unknown
    return {**base, **values}


TOTAL = _metrics(
    received=8, handled=3, handled_pct=50.0, on_time=2, on_time_pct=66.7, median_hours=20.0,
    satisfied=1, accepted=1, not_satisfied=1, satisfied_pct=33.3, accepted_pct=33.3,
    not_satisfied_pct=33.3, disputes=2, dismissed=1, merged=1, open=3, overdue=1,
)  # fmt: skip
X = _metrics(
    received=4, handled=2, handled_pct=66.7, on_time=1, on_time_pct=50.0, median_hours=20.0,
    satisfied=1, not_satisfied=1, satisfied_pct=50.0, not_satisfied_pct=50.0,
    accepted_pct=0.0, disputes=2, merged=1, open=1,
)  # fmt: skip
Y = _metrics(
    received=2, handled=1, handled_pct=50.0, on_time=1, on_time_pct=100.0, median_hours=20.0,
    accepted=1, accepted_pct=100.0, satisfied_pct=0.0, not_satisfied_pct=0.0, open=1, overdue=1,
)  # fmt: skip
UNROUTED = _metrics(received=2, handled_pct=0.0, dismissed=1, open=1)


def _groups(body: dict[str, Any]) -> dict[Any, dict[str, Any]]:
    return {
        g["key"]: {k: v for k, v in g.items() if k not in ("key", "label")} for g in body["groups"]
    }


def test_the_whole_tenant(platform, built):
    body = platform.client().get(STATS).json
    assert body["group_by"] == "tenant" and body["groups"] == []
    assert body["total"] == TOTAL
    assert body["time_zone"] == "Asia/Ho_Chi_Minh"


def test_by_organization(platform, built):
    body = platform.client().get(STATS, query_string={"group_by": "organization"}).json
    assert [(g["key"], g["label"]) for g in body["groups"]] == [
        ("so-xay-dung", "Sở Xây dựng"),
        ("so-y-te", "Sở Y tế"),
        (None, "Chờ điều phối (IOC)"),
    ]
    assert _groups(body) == {"so-xay-dung": X, "so-y-te": Y, None: UNROUTED}
    assert body["total"] == TOTAL


def test_by_category(platform, built):
    body = (
        platform.client()
        .get(STATS, query_string={"group_by": "category"}, headers={"Accept-Language": "en"})
        .json
    )
    groups = _groups(body)
    assert groups["test-a"] == X
    assert groups["test-b"]["received"] == 4 and groups["test-b"]["dismissed"] == 1
    assert [g["label"] for g in body["groups"]] == ["test-a", "test-b"]


@pytest.mark.parametrize(
    ("period", "counts"),
    [
        ("month", {"2025-02": 1, "2025-03": 7}),
        ("week", {"2025-W09": 2, "2025-W10": 6}),
        (
            "day",
            {"2025-02-28": 1, "2025-03-01": 1, **{f"2025-03-0{d}": 1 for d in range(3, 9)}},
        ),
    ],
)
def test_periods_are_days_in_vietnam(platform, built, period, counts):
    body = platform.client().get(STATS, query_string={"group_by": "period", "period": period}).json
    assert {g["key"]: g["received"] for g in body["groups"]} == counts
    assert [g["key"] for g in body["groups"]] == sorted(counts)


@pytest.mark.parametrize(
    ("bounds", "received"),
    [
        ({"since": "2025-03-01", "until": "2025-03-01"}, 1),
        ({"since": "2025-03-01"}, 7),
        ({"until": "2025-02-28"}, 1),
        ({"since": "2025-03-03T02:00:00Z", "until": "2025-03-05T02:00:00+00:00"}, 2),
        ({"since": "2025-04-01"}, 0),
    ],
)
def test_a_report_counts_in_the_period_it_was_received(platform, built, bounds, received):
    body = platform.client().get(STATS, query_string=bounds).json
    assert body["total"]["received"] == received


def test_a_tenant_without_reports_has_zeros_and_no_percentages(platform, built):
    body = platform.client(tenant="danang").get(STATS).json
    assert body["total"] == _metrics()


def _csv_rows(answer) -> list[list[str]]:
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert answer.data.startswith(b"\xef\xbb\xbf")
    assert "attachment" in answer.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ({"format": "csv"}, {}),
        ({}, {"Accept": "text/csv"}),
        ({}, {"Accept": "text/csv;q=1, */*;q=0.5"}),
    ],
)
def test_csv_has_a_header_a_row_per_group_and_the_total(platform, built, query, headers):
    answer = platform.client().get(
        STATS, query_string={"group_by": "organization", **query}, headers=headers
    )
    rows = _csv_rows(answer)
    header, *body = rows
    assert header[:3] == ["group_by", "key", "label"]
    assert header[3:] == list(X)
    assert [r[1:3] for r in body] == [
        ["so-xay-dung", "Sở Xây dựng"],
        ["so-y-te", "Sở Y tế"],
        ["", "Chờ điều phối (IOC)"],
        ["", "Tổng"],
    ]
    as_text = {k: "" if v is None else str(v) for k, v in X.items()}
    assert dict(zip(header[3:], body[0][3:], strict=True)) == as_text
    total = dict(zip(header[3:], body[-1][3:], strict=True))
    assert total["received"] == "8" and total["on_time_pct"] == "66.7"
    assert total["median_hours"] == "20.0"


@pytest.mark.parametrize("accept", ["*/*", "application/json", "application/json, text/csv"])
def test_json_unless_csv_is_preferred(platform, built, accept):
    answer = platform.client().get(STATS, headers={"Accept": accept})
    assert answer.mimetype == "application/json" and answer.json["total"] == TOTAL


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"group_by": "user"}, "group_by"),
        ({"group_by": "period", "period": "year"}, "period"),
        ({"format": "xlsx"}, "format"),
        ({"since": "2025-03-10", "until": "2025-03-01"}, "since"),
        ({"until": "31/03/2025"}, "until"),
    ],
)
def test_bad_stats_queries_name_the_field(platform, built, query, field):
    answer = platform.client().get(STATS, query_string=query)
    assert answer.status_code == 422
    assert field in answer.json["errors"], answer.json
