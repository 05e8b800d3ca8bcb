"""The public report feed: only moderated reports, never who sent them or how to reach them,
search with or without Vietnamese accents, and the filters and paging the feed offers."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sieuapp.core.reports.models import (
    Report,
    ReportAttribute,
    ReportCategory,
    ReportEvent,
    ReportPhoto,
)
from sieuapp.core.reports.search import search_condition
from sieuapp.core.tenancy.models import AdministrativeUnit, Organization, Tenant
from sieuapp.core.tenancy.provinces import create_tenant
from sieuapp.core.text import fold
from sqlalchemy import select

FEED = "/api/v1/public/reports"
T0 = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)

#: Everything personal written into the reports below; none of it may leave through the feed.
SECRETS = (
    "Nguyễn Văn Bí Mật",
    "bimat@example.vn",
    "0912345678",
    "gọi tôi sau 5 giờ chiều",
    "ghi chú nội bộ của cán bộ",
    "nhà tôi số 12",
)


def _make_category(session, tenant_id: int, code: str = "test-o-ga") -> ReportCategory:
    category = ReportCategory(
        tenant_id=tenant_id,
        code=code,
        name="Ổ gà, hư hỏng mặt đường",
        name_en="Pothole, damaged road",
        search_name=fold("Ổ gà, hư hỏng mặt đường Pothole"),
    )
    session.add(category)
    session.flush()
    session.add_all(
        [
            ReportAttribute(
                category_id=category.id,
                code="size",
                datatype="singlevaluelist",
                description="Kích thước",
                description_en="Size",
                values=[{"key": "big", "name": "Lớn", "name_en": "Big"}],
            ),
            ReportAttribute(
                category_id=category.id,
                code="note",
                datatype="string",
                description="Ghi chú",
                description_en="Note",
            ),
        ]
    )
    return category


def _report(session, tenant_id: int, category: ReportCategory, **fields: Any) -> Report:
    description = fields.pop("description", "Ổ gà lớn")
    report = Report(
        tenant_id=tenant_id,
        category_id=category.id,
        token=secrets.token_urlsafe(24),
        description=description,
        search_text=fold(f"{description} {fields.get('address') or ''} {category.name}"),
        **fields,
    )
    session.add(report)
    session.flush()
    return report


@pytest.fixture
def world(platform) -> dict[str, Any]:
    """Reports in every state the feed must tell apart, full of personal data."""
    citizen = platform.users["citizen"]
    with platform.context() as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == "hue"))
        org = session.scalar(
            select(Organization).where(
                Organization.tenant_id == tenant_id, Organization.code == "so-xay-dung"
            )
        )
        unit = session.scalars(
            select(AdministrativeUnit).where(AdministrativeUnit.tenant_id == tenant_id)
        ).first()
        category = _make_category(session, tenant_id)
        personal = {
            "reporter_id": citizen.id,
            "contact_name": "Nguyễn Văn Bí Mật",
            "contact_email": "bimat@example.vn",
            "contact_phone": "0912345678",
        }
        shown = _report(
            session,
            tenant_id,
            category,
            description="Phản ánh ổ gà trên đường Lê Lợi",
            address="Đường Lê Lợi, Huế",
            unit_code=unit.code,
            lat=16.4637,
            lon=107.5909,
            status="in_progress",
            public=True,
            organization_id=org.id,
            submitted_at=T0,
            moderated_at=T0 + timedelta(hours=1),
            assigned_at=T0 + timedelta(hours=1),
            deadline_at=T0 + timedelta(days=7),
            attributes={"size": "big", "note": "gọi tôi sau 5 giờ chiều"},
            **personal,
        )
        answered = _report(
            session,
            tenant_id,
            category,
            description="Cây đổ chắn lối đi_100% ngập",
            status="resolved",
            public=True,
            organization_id=org.id,
            submitted_at=T0 + timedelta(days=1),
            resolved_at=T0 + timedelta(days=2),
            answer="Đã dọn cây đổ.",
            rating="satisfied",
            anonymous=True,
            **personal,
        )
        waiting = _report(
            session,
            tenant_id,
            category,
            description="Ổ gà chưa kiểm duyệt",
            submitted_at=T0 + timedelta(days=2),
            **personal,
        )
        dismissed = _report(
            session,
            tenant_id,
            category,
            description="Ổ gà bị từ chối tiếp nhận",
            status="dismissed",
            public=True,
            submitted_at=T0 + timedelta(days=3),
            **personal,
        )
        hidden = _report(
            session,
            tenant_id,
            category,
            description="Ổ gà bị ẩn",
            status="assigned",
            public=False,
            moderated_at=T0,
            submitted_at=T0 + timedelta(days=3),
            **personal,
        )
        steps = [
            ("submitted", None, "submitted", "nhà tôi số 12", True),
            ("moderate", "submitted", "moderated", None, True),
            ("assign", "moderated", "assigned", "Chuyển Sở Xây dựng", True),
            ("comment", "assigned", "assigned", "ghi chú nội bộ của cán bộ", False),
            ("request_info", "assigned", "info_requested", "Ổ gà ở số nhà nào?", True),
            ("provide_info", "info_requested", "in_progress", "nhà tôi số 12", True),
        ]
        for minute, (action, before, after, note, public) in enumerate(steps):
            session.add(
                ReportEvent(
                    report_id=shown.id,
                    tenant_id=tenant_id,
                    at=T0 + timedelta(minutes=minute),
                    action=action,
                    from_status=before,
                    to_status=after,
                    actor_id=citizen.id if action in ("submitted", "provide_info") else None,
                    actor_label="Nguyễn Văn Bí Mật" if action == "provide_info" else "official",
                    organization_id=org.id,
                    note=note,
                    public=public,
                )
            )
        session.add(
            ReportPhoto(
                tenant_id=tenant_id,
                report_id=shown.id,
                uploaded_by=citizen.id,
                original_key="orig/1.jpg",
                public_key="pub/1.jpg",
                content_type="image/jpeg",
                size=10,
            )
        )
        other = create_tenant(session, "danang", 48)
        _report(
            session,
            other.id,
            _make_category(session, other.id),
            description="Ổ gà ở Đà Nẵng",
            status="moderated",
            public=True,
            submitted_at=T0,
        )
        ids = {
            "shown": shown.id,
            "answered": answered.id,
            "waiting": waiting.id,
            "dismissed": dismissed.id,
            "hidden": hidden.id,
        }
    return {"ids": ids, "citizen": citizen, "org": "so-xay-dung", "unit": unit.code}


def _assert_nothing_personal(body: Any, citizen) -> None:
    text = json.dumps(body, ensure_ascii=False)
    for secret in (*SECRETS, citizen.id, citizen.full_name, "0905000000"):
        assert secret not in text, secret

    def keys(value: Any) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for v in value for k in keys(v)}
        return set()

    found = keys(body)
    for forbidden in (
        "reporter",
        "reporter_id",
        "contact_name",
        "contact_email",
        "contact_phone",
        "actor_id",
        "actor_label",
        "entered_by",
        "token",
        "user_id",
        "anonymous",
    ):
        assert forbidden not in found, forbidden


def test_the_feed_lists_only_moderated_public_reports_of_this_tenant(platform, world):
    answer = platform.client().get(FEED)
    assert answer.status_code == 200, answer.json
    ids = world["ids"]
    assert [r["id"] for r in answer.json["items"]] == [ids["answered"], ids["shown"]]
    assert answer.json["total"] == 2
    _assert_nothing_personal(answer.json, world["citizen"])


@pytest.mark.parametrize("key", ["waiting", "dismissed", "hidden"])
def test_a_report_not_in_the_feed_cannot_be_read_by_id(platform, world, key):
    answer = platform.client().get(f"{FEED}/{world['ids'][key]}")
    assert answer.status_code == 404
    assert answer.json["code"] == "not_found"


def test_a_report_of_another_tenant_is_not_found_here(platform, world):
    with platform.context("danang") as session:
        other = session.scalar(select(Report.id).where(Report.description == "Ổ gà ở Đà Nẵng"))
    assert platform.client().get(f"{FEED}/{other}").status_code == 404
    there = platform.client(tenant="danang").get(f"{FEED}/{other}")
    assert there.status_code == 200 and there.json["description"] == "Ổ gà ở Đà Nẵng"


def test_one_report_shows_what_happened_but_not_who_or_what_the_citizen_wrote(platform, world):
    for role in (None, "citizen", "official", "ioc_operator"):
        answer = platform.client(role).get(f"{FEED}/{world['ids']['shown']}")
        assert answer.status_code == 200, answer.json
        body = answer.json
        _assert_nothing_personal(body, world["citizen"])
    assert body["category"] == {"code": "test-o-ga", "name": "Ổ gà, hư hỏng mặt đường"}
    assert body["organization"] == {"code": "so-xay-dung", "name": "Sở Xây dựng"}
    assert body["status"] == "in_progress" and body["status_label"] == "Đang xử lý"
    assert body["unit"]["code"] == world["unit"] and body["unit"]["name"]
    assert (body["lat"], body["lon"]) == (16.4637, 107.5909)
    assert body["expected_at"] == (T0 + timedelta(days=7)).isoformat()
    assert body["attributes"] == [
        {"code": "size", "question": "Kích thước", "value": [{"key": "big", "name": "Lớn"}]}
    ]
    assert len(body["photos"]) == 1 and body["photos"][0].startswith("/")
    history = body["history"]
    assert [e["action"] for e in history] == [
        "submitted",
        "moderate",
        "assign",
        "request_info",
        "provide_info",
    ]
    assert history[2]["note"] == "Chuyển Sở Xây dựng"
    assert history[4]["note"] is None and history[0]["note"] is None


def test_english_labels_follow_accept_language(platform, world):
    answer = platform.client().get(
        f"{FEED}/{world['ids']['shown']}", headers={"Accept-Language": "en"}
    )
    body = answer.json
    assert body["status_label"] == "In progress"
    assert body["category"]["name"] == "Pothole, damaged road"
    assert body["organization"]["name"] == "Department of Construction"
    assert body["attributes"][0]["value"] == [{"key": "big", "name": "Big"}]


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("phan anh", ["shown"]),
        ("PHẢN ÁNH", ["shown"]),
        ("duong le loi", ["shown"]),
        ("đường", ["shown", "answered"]),
        ("o ga", ["shown", "answered"]),
        ("cay do", ["answered"]),
        ("le loi cay", []),
        ("100%", ["answered"]),
        ("_100", ["answered"]),
        ("%", ["answered"]),
        ("o%ga", []),
        ("o_ga", []),
        ("_", ["answered"]),
        ("chưa kiểm duyệt", []),
    ],
)
def test_search_ignores_accents_and_case_and_takes_wildcards_literally(platform, world, q, found):
    answer = platform.client().get(FEED, query_string={"q": q})
    assert answer.status_code == 200, answer.json
    assert {r["id"] for r in answer.json["items"]} == {world["ids"][k] for k in found}


def test_search_condition_needs_every_word(platform, world):
    with platform.context() as session:
        assert session.scalars(select(Report.id).where(search_condition("ổ gà lê lợi"))).all() == [
            world["ids"]["shown"]
        ]
        everything = session.scalars(select(Report.id).where(search_condition("  "))).all()
        assert len(everything) == 6


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ({"category": "test-o-ga"}, ["answered", "shown"]),
        ({"category": "khong-co"}, []),
        ({"organization": "so-xay-dung"}, ["answered", "shown"]),
        ({"organization": "so-y-te"}, []),
        ({"status": "resolved"}, ["answered"]),
        ({"status": "open"}, ["shown"]),
        ({"status": "done"}, ["answered"]),
        ({"since": "2025-03-04"}, ["answered"]),
        ({"until": "2025-03-03"}, ["shown"]),
        ({"since": "2025-03-03T02:00:00+00:00", "until": "2025-03-03T02:00:01Z"}, ["shown"]),
    ],
)
def test_the_feed_filters(platform, world, query, found):
    answer = platform.client().get(FEED, query_string=query)
    assert answer.status_code == 200, answer.json
    assert [r["id"] for r in answer.json["items"]] == [world["ids"][k] for k in found]


def test_the_feed_filters_by_unit(platform, world):
    answer = platform.client().get(FEED, query_string={"unit_code": world["unit"]})
    assert [r["id"] for r in answer.json["items"]] == [world["ids"]["shown"]]


def test_the_feed_pages(platform, world):
    first = platform.client().get(FEED, query_string={"page_size": 1}).json
    second = platform.client().get(FEED, query_string={"page_size": 1, "page": 2}).json
    third = platform.client().get(FEED, query_string={"page_size": 1, "page": 3}).json
    assert first["total"] == second["total"] == third["total"] == 2
    assert [r["id"] for r in first["items"] + second["items"]] == [
        world["ids"]["answered"],
        world["ids"]["shown"],
    ]
    assert third["items"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"page": 0}, "page"),
        ({"page_size": 101}, "page_size"),
        ({"status": "dismissed"}, "status"),
        ({"status": "submitted"}, "status"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2025-03-03T02:00:00"}, "since"),
        ({"until": "2025-13-01"}, "until"),
        ({"since": "2025-03-05", "until": "2025-03-04"}, "since"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_feed_queries_name_the_field(platform, world, query, field):
    answer = platform.client().get(FEED, query_string=query)
    assert answer.status_code == 422
    assert field in answer.json["errors"], answer.json
