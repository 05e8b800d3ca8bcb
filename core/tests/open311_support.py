"""What the Open311 tests share: a category asking every datatype, registered clients, and
reports taken through the lifecycle as the IOC would."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from sieuapp.core.reports.access import Actor
from sieuapp.core.reports.lifecycle import transition
from sieuapp.core.reports.models import Report, ReportAttribute, ReportCategory
from sieuapp.core.reports.open311 import clients
from sieuapp.core.reports.submit import create_report
from sieuapp.core.tenancy.models import Organization
from sieuapp.core.testing import Platform
from sqlalchemy import select

BASE = "/open311/v2"
CODE = "o311-test"
#: Huế's Đông Ba market, inside the seeded province.
LAT, LON = 16.4722, 107.5866

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")


def org_id(session: Any, code: str) -> int:
    found = session.scalar(select(Organization.id).where(Organization.code == code))
    assert found is not None, code
    return found


def add_category(platform: Platform, code: str = CODE, organization: str = "so-xay-dung") -> int:
    """A category handled by ``organization`` asking one question of each datatype."""
    with platform.context() as session:
        from flask import g

        category = ReportCategory(
            tenant_id=g.tenant.id,
            code=code,
            name="Vỉa hè & <lòng đường>",
            name_en="Pavements & <roads>",
            description="Hư hỏng vỉa hè",
            description_en="Broken pavements",
            group_name="Hạ tầng",
            group_name_en="Infrastructure",
            keywords="vỉa hè, pavement",
            organization_id=org_id(session, organization),
            deadline_days=3,
            search_name=code,
        )
        session.add(category)
        session.flush()
        for order, datatype in enumerate(DATATYPES, start=1):
            lists = datatype.endswith("valuelist")
            session.add(
                ReportAttribute(
                    category_id=category.id,
                    code=f"q-{datatype}",
                    datatype=datatype,
                    required=datatype == "singlevaluelist",
                    variable=True,
                    order=order,
                    description=f"Câu hỏi {datatype}",
                    description_en=f"Question {datatype}",
                    datatype_description="Chọn một" if lists else "",
                    values=[
                        {"key": "nho", "name": "Nhỏ", "name_en": "Small"},
                        {"key": "lon", "name": "Lớn & nguy hiểm", "name_en": "Large & risky"},
                    ]
                    if lists
                    else [],
                )
            )
        session.add(
            ReportAttribute(
                category_id=category.id,
                code="note",
                datatype="text",
                required=False,
                variable=False,
                order=len(DATATYPES) + 1,
                description="Chỉ để đọc",
                description_en="Read only",
            )
        )
        return category.id


def new_client(
    platform: Platform, name: str = "Ứng dụng Huế-S", organization: str | None = None
) -> tuple[int, str]:
    with platform.context() as session:
        from flask import g

        client, key = clients.create_client(
            session,
            g.tenant.id,
            name=name,
            organization=organization,
            actor=clients.Actor(None, "test"),
        )
        return client.id, key


def ioc(platform: Platform) -> Actor:
    user = platform.users["ioc_operator"]
    return Actor(user_id=user.id, label="ioc", roles=frozenset({"ioc_operator"}))


def report(
    platform: Platform,
    description: str = "Vỉa hè bị sụt lún trước chợ Đông Ba",
    *,
    code: str = CODE,
    public: bool = True,
    assign: bool = True,
    client_id: int | None = None,
    **changes: Any,
) -> int:
    """A report made as the app would (by the citizen) or by an Open311 client, then moderated
    (public or not) and assigned by the IOC; ``changes`` are then written onto the row."""
    with platform.context() as session:
        from flask import g

        citizen = platform.users["citizen"]
        if client_id is None:
            actor = Actor(user_id=citizen.id, label="citizen", roles=frozenset({"citizen"}))
            channel = "app"
        else:
            actor = Actor(user_id=None, label="open311:test", open311_client_id=client_id)
            channel = "open311"
        row = create_report(
            session,
            g.tenant.id,
            actor,
            category_code=code,
            description=description,
            channel=channel,
            lat=LAT,
            lon=LON,
            address="Chợ Đông Ba, Huế",
            attributes={"q-singlevaluelist": "nho"},
            contact_name="Nguyễn Văn An" if client_id else None,
            contact_email="an@example.vn" if client_id else None,
            open311_client_id=client_id,
        )
        if public is not None:
            transition(session, row, "moderate", ioc(platform), public=public)
        if assign:
            transition(session, row, "assign", ioc(platform))
        for key, value in changes.items():
            setattr(row, key, value)
        return row.id


def step(platform: Platform, report_id: int, action: str, actor: Actor, **kwargs: Any) -> None:
    with platform.context() as session:
        transition(session, session.get(Report, report_id), action, actor, **kwargs)


def handler(platform: Platform, organization: str = "so-xay-dung") -> Actor:
    with platform.context() as session:
        org = org_id(session, organization)
    user = platform.users["official"]
    return Actor(
        user_id=user.id, label="official", roles=frozenset({"official"}), organization_ids={org}
    )


def xml(response: Any) -> ET.Element:
    assert response.content_type == "text/xml; charset=utf-8", response.content_type
    body = response.get_data()
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>'), body[:60]
    return ET.fromstring(body)


def errors_of(response: Any) -> list[tuple[int, str]]:
    """The spec's error list, from either format."""
    if response.content_type.startswith("application/json"):
        return [(e["code"], e["description"]) for e in response.get_json()]
    root = xml(response)
    assert root.tag == "errors"
    return [(int(e.findtext("code") or 0), e.findtext("description") or "") for e in root]
