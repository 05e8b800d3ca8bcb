from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ...db import Base, UTCDateTime, utcnow


class PhoneVerification(Base):
    """A one-time code sent to a phone number; only its SHA-256 is stored."""

    __tablename__ = "phone_verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(64))
    #: Wrong codes against this verification; it dies after a few.
    failures: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdentityVerification(Base):
    """A user's identity checked against a national ID record (level 2); the latest one counts."""

    __tablename__ = "identity_verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The 12-digit CCCD number as verified.
    national_id: Mapped[str] = mapped_column(String(12))
    full_name: Mapped[str] = mapped_column(String(200))
    birthdate: Mapped[date] = mapped_column(Date)
    #: The verification provider (plugin id) that vouched for it.
    provider: Mapped[str] = mapped_column(String(40))
    #: OIDC for Identity Assurance ``trust_framework``.
    trust_framework: Mapped[str] = mapped_column(String(60))
    #: The provider's reference for the check, for audits.
    reference: Mapped[str | None] = mapped_column(String(120), nullable=True)
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
