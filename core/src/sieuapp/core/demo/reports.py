"""A handful of demo reports in different states, each taken through the real pipeline
(``create_report`` and ``lifecycle.transition``, with their events, audit entries and
notifications), so that the feed, the queues, the statistics and Open311 show something.
Idempotent: a report whose description exists already is not made again."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..identity.models import User
from ..reports.access import Actor
from ..reports.lifecycle import transition
from ..reports.models import Report
from ..reports.submit import create_report
from ..tenancy.models import Organization


@dataclass(frozen=True)
class DemoCase:
    category: str
    description: str
    address: str
    lat: float
    lon: float
    attributes: dict[str, Any] = field(default_factory=dict)
    #: ``(who, action, arguments)`` after submission; who is ``ioc``, ``official`` or ``citizen``.
    steps: tuple[tuple[str, str, dict[str, Any]], ...] = ()


ROUTED = (("ioc", "moderate", {}), ("ioc", "assign", {"organization": "so-xay-dung"}))

DEMO_REPORTS: tuple[DemoCase, ...] = (
    DemoCase(
        "road-damage",
        "Ổ gà lớn trước cổng trường Quốc Học, xe máy dễ ngã",
        "12 Lê Lợi, Huế",
        16.4607,
        107.5851,
        {"severity": "high"},
    ),
    DemoCase(
        "street-lighting",
        "Ba cột đèn đường trên cầu Trường Tiền không sáng",
        "Cầu Trường Tiền, Huế",
        16.4689,
        107.5906,
        {"problem": "off"},
        (*ROUTED, ("official", "start", {})),
    ),
    DemoCase(
        "road-damage",
        "Mặt đường Hùng Vương sụt lún sau mưa lớn",
        "45 Hùng Vương, Huế",
        16.4633,
        107.5957,
        {"severity": "medium"},
        (
            *ROUTED,
            ("official", "start", {}),
            ("official", "resolve", {"note": "Đã vá mặt đường và cắm biển cảnh báo."}),
            ("citizen", "rate", {"rating": "satisfied"}),
        ),
    ),
    DemoCase(
        "trees",
        "Cây xanh gãy cành chắn lối đi bộ đường Lê Lợi",
        "Công viên Thương Bạc, Lê Lợi, Huế",
        16.4681,
        107.5867,
        {"state": "branches"},
        (
            *ROUTED,
            ("official", "resolve", {"note": "Đã cắt tỉa và dọn cành gãy."}),
        ),
    ),
    DemoCase(
        "flooding",
        "Ngập sâu đoạn đường Bà Triệu mỗi khi mưa",
        "Bà Triệu, Huế",
        16.4632,
        107.6038,
        {"depth_cm": 40},
        (
            *ROUTED,
            ("official", "request_info", {"note": "Đoạn ngập gần số nhà nào?"}),
        ),
    ),
)


def _actor(session: Session, tenant_id: int, username: str, role: str, org: str | None) -> Actor:
    user_id = session.scalar(select(User.id).where(User.username == username))
    org_ids: frozenset[int] = frozenset()
    if org is not None:
        org_ids = frozenset(
            session.scalars(
                select(Organization.id).where(
                    Organization.tenant_id == tenant_id, Organization.code == org
                )
            )
        )
    return Actor(user_id=user_id, label=username, roles=frozenset({role}), organization_ids=org_ids)


def seed_reports(session: Session, tenant_id: int) -> int:
    """Make the demo reports missing from the tenant; returns how many were made."""
    actors = {
        "citizen": _actor(session, tenant_id, "citizen", "citizen", None),
        "ioc": _actor(session, tenant_id, "ioc", "ioc_operator", "hue-ioc"),
        "official": _actor(session, tenant_id, "official", "official", "so-xay-dung"),
    }
    made = 0
    for demo in DEMO_REPORTS:
        exists = session.scalar(
            select(Report.id).where(
                Report.tenant_id == tenant_id, Report.description == demo.description
            )
        )
        if exists is not None:
            continue
        report = create_report(
            session,
            tenant_id,
            actors["citizen"],
            category_code=demo.category,
            description=demo.description,
            channel="app",
            lat=demo.lat,
            lon=demo.lon,
            address=demo.address,
            attributes=dict(demo.attributes),
        )
        for who, action, arguments in demo.steps:
            arguments = dict(arguments)
            if "organization" in arguments:
                arguments["organization_id"] = session.scalar(
                    select(Organization.id).where(
                        Organization.tenant_id == tenant_id,
                        Organization.code == arguments.pop("organization"),
                    )
                )
            transition(session, report, action, actors[who], **arguments)
        made += 1
    return made
