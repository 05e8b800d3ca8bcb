"""Provinces and their wards and communes from the vietnam-provinces data (2025 structure)."""

from __future__ import annotations

from sieuapp.sdk.errors import Conflict, InvalidInput
from sqlalchemy import select
from sqlalchemy.orm import Session
from vietnam_provinces import Province, ProvinceCode, VietNamDivisionType, Ward

from ..identity.oidc.shell_client import ensure_shell_client
from ..reports.catalog import ensure_core_categories
from ..text import fold
from .models import AdministrativeUnit, Tenant

KINDS = {
    VietNamDivisionType.PHUONG: "phuong",
    VietNamDivisionType.XA: "xa",
    VietNamDivisionType.DAC_KHU: "dac_khu",
}


def province(code: int) -> Province:
    try:
        return Province.from_code(ProvinceCode(code))
    except ValueError as exc:
        raise InvalidInput(
            "Unknown province.", {"province_code": [f"{code} is not an official province code."]}
        ) from exc


def english_name(p: Province) -> str:
    base = p.name.removeprefix("Thành phố ").removeprefix("Tỉnh ")
    plain = fold(base).title()
    kind = "City" if p.division_type == VietNamDivisionType.THANH_PHO_TRUNG_UONG else "Province"
    return f"{plain} {kind}"


def wards(code: int) -> list[Ward]:
    target = ProvinceCode(code)
    return sorted((w for w in Ward.iter_all() if w.province_code == target), key=lambda w: w.code)


def create_tenant(session: Session, slug: str, province_code: int) -> Tenant:
    """A tenant for a province, with every ward and commune of it, the core report catalog
    (routed to the IOC until its organizations exist: ``ensure_core_categories`` again then)
    and the web shell's OAuth client."""
    p = province(province_code)
    if session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise Conflict(f"Tenant {slug!r} exists already.", {"slug": ["Already used."]})
    tenant = Tenant(slug=slug, name=p.name, name_en=english_name(p), province_code=province_code)
    session.add(tenant)
    session.flush()
    session.add_all(
        AdministrativeUnit(
            tenant_id=tenant.id,
            code=str(w.code.value),
            name=w.name,
            kind=KINDS.get(w.division_type, str(w.division_type.value)),
            search_name=fold(w.name),
        )
        for w in wards(province_code)
    )
    session.flush()
    ensure_core_categories(session, tenant.id)
    ensure_shell_client(session, tenant.id)
    return tenant
