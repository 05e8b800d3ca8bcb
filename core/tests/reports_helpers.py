"""Shared pieces of the report pipeline tests: a category asking every kind of question, photos
with and without metadata, row counts."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.notifications.models import Notification
from sieuapp.core.reports.models import (
    Report,
    ReportAttribute,
    ReportCategory,
    ReportEvent,
    ReportFollower,
    ReportPhoto,
)
from sieuapp.core.tenancy.models import AdministrativeUnit, Organization, Tenant
from sqlalchemy import func, select
from sqlalchemy.orm import Session

#: Huế's citadel: where the reports of these tests are.
LAT, LON = 16.4698, 107.5786

COUNTED = (Report, ReportEvent, ReportFollower, ReportPhoto, Notification, AuditEntry)


def tenant_id(session: Session, slug: str = "hue") -> int:
    return session.scalar(select(Tenant.id).where(Tenant.slug == slug))


def org_id(session: Session, code: str, slug: str = "hue") -> int:
    return session.scalar(
        select(Organization.id).where(
            Organization.code == code, Organization.tenant_id == tenant_id(session, slug)
        )
    )


def first_unit(session: Session, slug: str = "hue") -> str:
    return session.scalar(
        select(AdministrativeUnit.code)
        .where(AdministrativeUnit.tenant_id == tenant_id(session, slug))
        .order_by(AdministrativeUnit.code)
    )


def counts(session: Session) -> dict[str, int]:
    """Rows of every table a submission writes, and photos attached to a report."""
    found = {
        model.__tablename__: session.scalar(select(func.count()).select_from(model))
        for model in COUNTED
    }
    found["attached_photos"] = session.scalar(
        select(func.count()).select_from(ReportPhoto).where(ReportPhoto.report_id.is_not(None))
    )
    return found


def make_category(
    session: Session,
    slug: str = "hue",
    code: str = "test-all",
    organization: str | None = "so-xay-dung",
    active: bool = True,
    radius: int = 100,
) -> ReportCategory:
    """A category asking one question of every Open311 datatype, one of them required."""
    category = ReportCategory(
        tenant_id=tenant_id(session, slug),
        code=code,
        name="Thử nghiệm đường phố",
        name_en="Street test",
        organization_id=org_id(session, organization, slug) if organization else None,
        duplicate_radius_m=radius,
        active=active,
    )
    session.add(category)
    session.flush()
    values = [
        {"key": "low", "name": "Thấp", "name_en": "Low"},
        {"key": "high", "name": "Cao", "name_en": "High"},
    ]
    for order, (attr_code, datatype, required) in enumerate(
        (
            ("severity", "singlevaluelist", True),
            ("kinds", "multivaluelist", False),
            ("length", "number", False),
            ("seen_at", "datetime", False),
            ("pole", "string", False),
            ("details", "text", False),
        ),
        start=1,
    ):
        session.add(
            ReportAttribute(
                category_id=category.id,
                code=attr_code,
                datatype=datatype,
                required=required,
                order=order,
                description=attr_code,
                values=values if datatype.endswith("valuelist") else [],
            )
        )
    session.add(
        ReportAttribute(
            category_id=category.id,
            code="note",
            datatype="string",
            variable=False,
            order=99,
            description="Chỉ để đọc",
        )
    )
    session.flush()
    return category


def image_bytes(
    fmt: str = "JPEG",
    size: tuple[int, int] = (64, 48),
    gps: bool = True,
    orientation: int | None = None,
    **save: Any,
) -> bytes:
    """An image as a phone writes it: EXIF with GPS position, camera make and orientation."""
    image = Image.new("RGB", size, (200, 30, 30))
    for x in range(size[0] // 2):
        image.putpixel((x, 0), (0, 0, 255))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "Secret Camera App"  # Software
    if orientation is not None:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (16.0, 28.0, 11.0), 3: "E", 4: (107.0, 34.0, 43.0)}
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes(), **save)
    return out.getvalue()
