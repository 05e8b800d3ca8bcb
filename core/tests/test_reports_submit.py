"""Submitting a report: every refusal names its field and writes nothing; an accepted report
is routed, located, searchable, followed by its reporter and has its photos attached."""

from __future__ import annotations

from typing import Any

import pytest
from sieuapp.core.reports import submit
from sieuapp.core.reports.access import Actor
from sieuapp.core.reports.models import Report, ReportEvent, ReportFollower, ReportPhoto
from sieuapp.core.reports.submit import attribute_values, category_attributes, create_report
from sieuapp.core.tenancy.provinces import create_tenant
from sieuapp.sdk import Role
from sieuapp.sdk.errors import InvalidInput
from sqlalchemy import select

from .reports_helpers import LAT, LON, counts, first_unit, make_category, org_id, tenant_id


@pytest.fixture
def platform(make_platform):
    p = make_platform(plugins=[])
    with p.context() as session:
        make_category(session)
        make_category(session, code="test-off", active=False)
        other = create_tenant(session, "dn", 48)
        session.flush()
        make_category(session, slug="dn", code="dn-only", organization=None)
        assert other.id
    return p


def citizen(platform) -> Actor:
    user = platform.users[Role.CITIZEN]
    return Actor(user_id=user.id, label=user.username, roles=frozenset({"citizen", "anonymous"}))


def operator(platform) -> Actor:
    user = platform.users[Role.IOC_OPERATOR]
    return Actor(user_id=user.id, label=user.username, roles=frozenset({"citizen", "ioc_operator"}))


GOOD: dict[str, Any] = {
    "category_code": "test-all",
    "description": "  Ổ gà lớn trước cửa Hiển Nhơn  ",
    "channel": "app",
    "lat": LAT,
    "lon": LON,
    "attributes": {"severity": "high"},
}


def refused(platform, actor: Actor | None = None, **changes: Any) -> dict[str, list[str]]:
    """The errors of a submission that must fail, having checked it wrote nothing."""
    fields = {**GOOD, **changes}
    with platform.context() as session:
        before = counts(session)
        with pytest.raises(InvalidInput) as caught:
            create_report(session, tenant_id(session), actor or citizen(platform), **fields)
        session.rollback()
        assert counts(session) == before
    return caught.value.errors


def test_accepted_report_is_routed_searchable_and_followed(platform) -> None:
    with platform.context() as session:
        report = create_report(session, tenant_id(session), citizen(platform), **GOOD)
        assert report.description == "Ổ gà lớn trước cửa Hiển Nhơn"
        assert report.status == "submitted"
        assert report.organization_id == org_id(session, "so-xay-dung")
        assert report.reporter_id == platform.users[Role.CITIZEN].id
        assert report.attributes == {"severity": "high"}
        assert "o ga lon truoc cua hien nhon" in report.search_text
        assert "thu nghiem duong pho" in report.search_text
        assert "street test" in report.search_text
        assert len(report.token) >= 30
        report_id = report.id
    with platform.context() as session:
        events = session.scalars(select(ReportEvent).where(ReportEvent.report_id == report_id))
        assert [e.action for e in events] == ["submitted"]
        follower = session.get(ReportFollower, (report_id, platform.users[Role.CITIZEN].id))
        assert follower is not None


def test_every_datatype_is_parsed(platform) -> None:
    answers = {
        "severity": "low",
        "kinds": ["high", "low", "high"],
        "length": "12.5",
        "seen_at": "2025-03-01T08:30:00+07:00",
        "pole": "  HN-12 ",
        "details": "dài " * 100,
    }
    with platform.context() as session:
        report = create_report(
            session, tenant_id(session), citizen(platform), **{**GOOD, "attributes": answers}
        )
        assert report.attributes == {
            "severity": "low",
            "kinds": ["high", "low"],
            "length": 12.5,
            "seen_at": "2025-03-01T08:30:00+07:00",
            "pole": "HN-12",
            "details": ("dài " * 100).strip(),
        }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"category_code": "nope"}, "category_code"),
        ({"category_code": "test-off"}, "category_code"),
        ({"category_code": "dn-only"}, "category_code"),
        ({"category_code": ""}, "category_code"),
        ({"description": "  ab  "}, "description"),
        ({"description": "x" * 5001}, "description"),
        ({"channel": "fax"}, "channel"),
        ({"channel": "hotline", "contact_phone": "0905123456"}, "channel"),
        ({"channel": "open311"}, "channel"),
        ({"open311_client_id": 1}, "channel"),
        ({"lat": 91}, "lat"),
        ({"lat": "north"}, "lat"),
        ({"lon": -181}, "lon"),
        ({"lon": float("nan")}, "lon"),
        ({"lon": None}, "lon"),
        ({"lat": None}, "lat"),
        ({"lat": None, "lon": None}, "location"),
        ({"address": "x" * 301}, "address"),
        ({"unit_code": "99999"}, "unit_code"),
        ({"contact_email": "not-an-email"}, "contact_email"),
        ({"contact_phone": "call me"}, "contact_phone"),
        ({"contact_name": "x" * 201}, "contact_name"),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
        ({"attributes": {}}, "attribute[severity]"),
        ({"attributes": {"severity": "  "}}, "attribute[severity]"),
        ({"attributes": {"severity": "medium"}}, "attribute[severity]"),
        ({"attributes": {"severity": "low", "kinds": ["low", "x"]}}, "attribute[kinds]"),
        ({"attributes": {"severity": "low", "kinds": {"a": 1}}}, "attribute[kinds]"),
        ({"attributes": {"severity": "low", "length": "ten"}}, "attribute[length]"),
        ({"attributes": {"severity": "low", "length": True}}, "attribute[length]"),
        ({"attributes": {"severity": "low", "seen_at": "yesterday"}}, "attribute[seen_at]"),
        ({"attributes": {"severity": "low", "pole": "x" * 501}}, "attribute[pole]"),
        ({"attributes": {"severity": "low", "details": "x" * 5001}}, "attribute[details]"),
        ({"attributes": {"severity": "low", "colour": "red"}}, "attribute[colour]"),
        ({"attributes": {"severity": "low", "note": "an answer"}}, "attribute[note]"),
        ({"attributes": ["severity"]}, "attributes"),
        ({"photo_ids": [12345]}, "photo_ids"),
        ({"photo_ids": ["x"]}, "photo_ids"),
        ({"photo_ids": list(range(1, 7))}, "photo_ids"),
        ({"description": "Ổ gà\x00 sâu giữa đường"}, "description"),
        ({"address": "Lê Lợi\x00"}, "address"),
        ({"attributes": {"severity": "low", "pole": "A\x00"}}, "attribute[pole]"),
        ({"attributes": {"severity": "low", "kinds": ["low", "\x00"]}}, "attribute[kinds]"),
    ],
)
def test_refusal_names_the_field_and_writes_nothing(platform, changes, field) -> None:
    errors = refused(platform, **changes)
    assert field in errors, errors


def test_all_problems_are_named_at_once_under_the_callers_names(platform) -> None:
    fields = {"category_code": "service_code", "lon": "long", "description": "description"}
    errors = refused(
        platform,
        category_code="nope",
        description="",
        lat=10,
        lon=None,
        contact_email="bad",
        fields=fields,
    )
    assert {"service_code", "long", "description", "contact_email"} <= set(errors)
    assert "category_code" not in errors


def test_hotline_is_for_operators_and_needs_the_caller(platform) -> None:
    errors = refused(platform, operator(platform), channel="hotline")
    assert "contact_name" in errors
    with platform.context() as session:
        report = create_report(
            session,
            tenant_id(session),
            operator(platform),
            **{**GOOD, "channel": "hotline", "contact_name": "Bà Lan", "contact_phone": None},
        )
        assert report.reporter_id is None
        assert report.entered_by == platform.users[Role.IOC_OPERATOR].id
        assert report.contact_name == "Bà Lan"


def test_unit_is_given_or_located_and_address_alone_is_enough(platform) -> None:
    with platform.context() as session:
        unit = first_unit(session)
        report = create_report(
            session,
            tenant_id(session),
            citizen(platform),
            **{**GOOD, "lat": None, "lon": None, "unit_code": unit},
        )
        assert report.unit_code == unit
        report = create_report(
            session,
            tenant_id(session),
            citizen(platform),
            **{**GOOD, "lat": None, "lon": None, "address": "2 Lê Lợi, Huế"},
        )
        assert report.unit_code is None and report.address == "2 Lê Lợi, Huế"
        assert "2 le loi, hue" in report.search_text


def test_photos_must_be_the_reporters_own_unattached_uploads(platform) -> None:
    official = platform.users[Role.OFFICIAL]
    with platform.context() as session:
        tid = tenant_id(session)
        mine = ReportPhoto(
            tenant_id=tid,
            uploaded_by=platform.users[Role.CITIZEN].id,
            original_key="a/original.jpg",
            public_key="a/public.jpg",
            content_type="image/jpeg",
            size=10,
        )
        theirs = ReportPhoto(
            tenant_id=tid,
            uploaded_by=official.id,
            original_key="b/original.jpg",
            public_key="b/public.jpg",
            content_type="image/jpeg",
            size=10,
        )
        session.add_all([mine, theirs])
        session.flush()
        mine_id, theirs_id = mine.id, theirs.id
    assert "photo_ids" in refused(platform, photo_ids=[mine_id, theirs_id])
    with platform.context() as session:
        report = create_report(
            session, tenant_id(session), citizen(platform), **{**GOOD, "photo_ids": [mine_id]}
        )
        assert session.get(ReportPhoto, mine_id).report_id == report.id
    # Attached once, it cannot be sent with another report.
    assert "photo_ids" in refused(platform, photo_ids=[mine_id])


def test_attribute_values_helper(platform) -> None:
    with platform.context() as session:
        category = session.scalar(
            select(submit.ReportCategory).where(submit.ReportCategory.code == "test-all")
        )
        attributes = category_attributes(session, category)
        assert attribute_values(category, attributes, {"severity": "high", "length": 3}) == {
            "severity": "high",
            "length": 3,
        }
        with pytest.raises(InvalidInput) as caught:
            attribute_values(category, attributes, {"length": "x"})
        assert set(caught.value.errors) == {"attribute[severity]", "attribute[length]"}


def test_reports_of_another_tenant_are_not_touched(platform) -> None:
    with platform.context() as session:
        create_report(session, tenant_id(session), citizen(platform), **GOOD)
    with platform.context() as session:
        ids = session.scalars(select(Report.tenant_id)).all()
        assert set(ids) == {tenant_id(session)}
