"""The demo province's organizations: real agencies of Huế, after the 2025 reorganization."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..reports.catalog import ensure_core_categories
from .models import AdministrativeUnit, Organization, Tenant

HUE_ORGANIZATIONS: list[tuple[str, str, str, str]] = [
    # code, kind, Vietnamese name, English name
    (
        "hue-ioc",
        "ioc",
        "Trung tâm Giám sát, điều hành đô thị thông minh",
        "Intelligent Operations Centre",
    ),
    ("ubnd-hue", "agency", "Ủy ban nhân dân thành phố Huế", "Huế City People's Committee"),
    ("so-xay-dung", "agency", "Sở Xây dựng", "Department of Construction"),
    (
        "so-nong-nghiep-moi-truong",
        "agency",
        "Sở Nông nghiệp và Môi trường",
        "Department of Agriculture and Environment",
    ),
    ("so-y-te", "agency", "Sở Y tế", "Department of Health"),
    (
        "so-van-hoa-the-thao-du-lich",
        "agency",
        "Sở Văn hóa, Thể thao và Du lịch",
        "Department of Culture, Sports and Tourism",
    ),
    (
        "so-khoa-hoc-cong-nghe",
        "agency",
        "Sở Khoa học và Công nghệ",
        "Department of Science and Technology",
    ),
    ("cong-an-hue", "agency", "Công an thành phố Huế", "Huế City Police"),
    ("dien-luc-hue", "partner", "Công ty Điện lực Thừa Thiên Huế", "Thừa Thiên Huế Power Company"),
    (
        "huewaco",
        "partner",
        "Công ty Cổ phần Cấp nước Thừa Thiên Huế",
        "Thừa Thiên Huế Water Supply JSC",
    ),
    ("mai-linh-hue", "partner", "Taxi Mai Linh Huế", "Mai Linh Taxi Huế"),
    ("vnpt-hue", "partner", "VNPT Thừa Thiên Huế", "VNPT Thừa Thiên Huế"),
]


def seed_organizations(session: Session, tenant: Tenant, communes: int | None = None) -> None:
    """The agencies above plus a people's committee for each ward and commune (or the first
    ``communes`` of them); the province's departments and its IOC answer to its people's
    committee, so that an overdue report escalates to it. The core report categories are then
    given the organizations that handle them."""

    existing = set(
        session.scalars(select(Organization.code).where(Organization.tenant_id == tenant.id))
    )
    ubnd = None
    for code, kind, name, name_en in HUE_ORGANIZATIONS:
        if code in existing:
            continue
        org = Organization(tenant_id=tenant.id, code=code, kind=kind, name=name, name_en=name_en)
        session.add(org)
        if code == "ubnd-hue":
            ubnd = org
    session.flush()
    if ubnd is None:
        # Seeded by an earlier run: the commune committees still hang under it.
        ubnd = session.scalar(
            select(Organization).where(
                Organization.tenant_id == tenant.id, Organization.code == "ubnd-hue"
            )
        )
    if ubnd is not None:
        for org in session.scalars(
            select(Organization).where(
                Organization.tenant_id == tenant.id,
                Organization.kind.in_(("agency", "ioc")),
                Organization.id != ubnd.id,
                Organization.parent_id.is_(None),
                Organization.code.in_([code for code, *_ in HUE_ORGANIZATIONS]),
            )
        ):
            org.parent_id = ubnd.id
    units = session.scalars(
        select(AdministrativeUnit)
        .where(AdministrativeUnit.tenant_id == tenant.id)
        .order_by(AdministrativeUnit.code)
    ).all()
    for unit in units[:communes]:
        code = f"ubnd-{unit.code}"
        if code in existing:
            continue
        session.add(
            Organization(
                tenant_id=tenant.id,
                code=code,
                kind="commune",
                name=f"Ủy ban nhân dân {unit.name}",
                name_en=f"People's Committee of {unit.name}",
                unit_code=unit.code,
                parent_id=ubnd.id if ubnd is not None else None,
            )
        )
    session.flush()
    ensure_core_categories(session, tenant.id)
