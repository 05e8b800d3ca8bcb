from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow


class Tenant(Base):
    """A province running its super-app on this deployment."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    #: Official province code (2025 structure), from the vietnam-provinces data.
    province_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Bumped in the same transaction as any change to the tenant's modules, so every worker
    #: notices with one cheap read per request.
    modules_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    units: Mapped[list[AdministrativeUnit]] = relationship(
        back_populates="tenant", cascade="all, delete-orphan"
    )


class AdministrativeUnit(Base):
    """A ward, commune or special zone of the tenant's province."""

    __tablename__ = "administrative_units"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    #: ``phuong`` (ward), ``xa`` (commune) or ``dac_khu`` (special zone).
    kind: Mapped[str] = mapped_column(String(20))
    #: Lowercase, accent-free name for search ("phuong thuan an").
    search_name: Mapped[str] = mapped_column(String(200), default="")

    tenant: Mapped[Tenant] = relationship(back_populates="units")


class Organization(Base):
    """An agency, the IOC, a commune's people's committee, or a partner company."""

    __tablename__ = "organizations"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    #: ``agency``, ``ioc``, ``commune`` or ``partner``.
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), nullable=True
    )
    #: For a commune's committee, the administrative unit it governs.
    unit_code: Mapped[str | None] = mapped_column(String(10), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
