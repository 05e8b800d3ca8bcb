"""Level 2: the identity checked against a national ID record (CCCD number, full name, date of
birth) by a verification provider (``providers.verify_identity``).

Only a user who proved a phone number (level 1) may ask, and failed checks are rationed per user
(``SIEUAPP_IDENTITY_ATTEMPTS`` per 24 hours), counted from their audit entries, so that the
endpoint cannot be used to probe which number goes with which name. The full number is kept in
the verification row only; audit entries and pages show it masked.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, timedelta
from typing import NoReturn

from sieuapp.sdk import IdentityCheck, LocalizedText
from sieuapp.sdk.errors import Conflict, Forbidden, InvalidInput
from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import clock
from ..._runtime import runtime_of
from ...audit.log import record as audit
from ...audit.models import AuditEntry
from ..models import User
from . import national_id, providers
from .errors import RetryLater
from .levels import TRUST_FRAMEWORK, acr_for, latest_verification
from .models import IdentityVerification

FAILED_ACTION = "assurance.identity_failed"
DAY = timedelta(hours=24)
EARLIEST_BIRTHDATE = date(1900, 1, 1)

PHONE_FIRST = LocalizedText(
    "Hãy xác minh số điện thoại (mức 1) trước khi xác minh danh tính: /account/verify/phone.",
    "Verify your phone number (level 1) before your identity: /account/verify/phone.",
)
NO_MATCH = LocalizedText(
    "Không có hồ sơ căn cước nào khớp với số, họ tên và ngày sinh này.",
    "No national ID record matches this number, full name and date of birth.",
)
TAKEN = LocalizedText(
    "Số CCCD này đã được xác minh cho một tài khoản khác.",
    "This CCCD number is already verified for another account.",
)
TOO_MANY = LocalizedText(
    "Đã xác minh không thành công quá nhiều lần. Vui lòng thử lại sau.",
    "Too many verifications failed. Please try again later.",
)
NAME_REQUIRED = LocalizedText("Hãy nhập họ và tên.", "Enter your full name.")
NAME_TOO_LONG = LocalizedText("Họ và tên quá dài.", "The full name is too long.")
BIRTHDATE_RANGE = LocalizedText(
    "Ngày sinh không hợp lệ.", "The date of birth is not a possible one."
)


def clean_name(full_name: str) -> str:
    """Composed Unicode and single spaces, as registries write names."""
    return " ".join(unicodedata.normalize("NFC", full_name).split())


def _problems(
    number: str, name: str, birthdate: date, today: date
) -> dict[str, list[LocalizedText]]:
    found: dict[str, list[LocalizedText]] = {}
    if not name:
        found["full_name"] = [NAME_REQUIRED]
    elif len(name) > 200:
        found["full_name"] = [NAME_TOO_LONG]
    in_range = EARLIEST_BIRTHDATE <= birthdate <= today
    if not in_range:
        found["birthdate"] = [BIRTHDATE_RANGE]
    if wrong := national_id.problems(number, birthdate if in_range else None):
        found["national_id"] = wrong
    return found


def _failures(session: Session, user: User, since: datetime) -> list[datetime]:
    return list(
        session.scalars(
            select(AuditEntry.at)
            .where(
                AuditEntry.action == FAILED_ACTION,
                AuditEntry.target == user.id,
                AuditEntry.at > since,
            )
            .order_by(AuditEntry.at)
        )
    )


def _ration(session: Session, user: User, language: str) -> None:
    now = clock.now()
    limit = runtime_of().settings.identity_attempts
    failed = _failures(session, user, now - DAY)
    if len(failed) >= limit:
        oldest_counted = failed[len(failed) - limit]
        wait = int((oldest_counted + DAY - now).total_seconds() + 0.999)
        raise RetryLater(TOO_MANY.get(language), wait, {"_request": [TOO_MANY.get(language)]})


def _refuse(
    session: Session, user: User, tenant_id: int, number: str, provider: str, error: Exception
) -> NoReturn:
    """Count a failed check (committed, as the request that fails rolls back), then answer."""
    entry = audit(
        session,
        FAILED_ACTION,
        tenant_id=tenant_id,
        actor_id=user.id,
        actor_label=user.username,
        target=user.id,
        after={"national_id": national_id.masked(number), "provider": provider},
    )
    entry.at = clock.now()
    session.commit()
    raise error


def verify(
    session: Session,
    user: User,
    *,
    raw_national_id: str,
    full_name: str,
    birthdate: date,
    tenant_id: int,
    language: str,
) -> IdentityVerification:
    """Check the user's identity with the verification provider; on a match the user is at
    level 2 and the verification is recorded."""
    if (user.assurance_level or 0) < 1:
        message = PHONE_FIRST.get(language)
        raise Forbidden(message, {"assurance_level": [message]})
    number = national_id.normalize(raw_national_id)
    name = clean_name(full_name)
    if found := _problems(number, name, birthdate, clock.now().date()):
        errors = {field: [t.get(language) for t in texts] for field, texts in found.items()}
        raise InvalidInput(next(iter(errors.values()))[0], errors)
    _ration(session, user, language)
    answer = providers.verify_identity(number, name, birthdate, language)
    check: IdentityCheck = answer.value
    if check.outcome != IdentityCheck.MATCHED:
        message = NO_MATCH.get(language)
        _refuse(
            session,
            user,
            tenant_id,
            number,
            answer.provider,
            InvalidInput(message, {"_request": [message]}),
        )
    if _verified_elsewhere(session, user, number):
        message = TAKEN.get(language)
        _refuse(
            session,
            user,
            tenant_id,
            number,
            answer.provider,
            Conflict(message, {"national_id": [message]}),
        )
    before = user.assurance_level
    verification = IdentityVerification(
        user_id=user.id,
        national_id=number,
        full_name=name,
        birthdate=birthdate,
        provider=answer.provider[:40],
        trust_framework=TRUST_FRAMEWORK,
        reference=check.reference[:120] if check.reference else None,
        verified_at=clock.now(),
    )
    session.add(verification)
    user.assurance_level = 2
    audit(
        session,
        "assurance.identity_verified",
        tenant_id=tenant_id,
        actor_id=user.id,
        actor_label=user.username,
        target=user.id,
        before={"level": before},
        after={
            "level": 2,
            "acr": acr_for(user),
            "national_id": national_id.masked(number),
            "provider": verification.provider,
            "reference": verification.reference,
        },
    )
    session.flush()
    return verification


def _verified_elsewhere(session: Session, user: User, number: str) -> bool:
    """Whether another active account's current verification is of this number."""
    others = session.scalars(
        select(IdentityVerification.user_id)
        .join(User, User.id == IdentityVerification.user_id)
        .where(
            IdentityVerification.national_id == number,
            IdentityVerification.user_id != user.id,
            User.active.is_(True),
        )
        .distinct()
    ).all()
    for other in others:
        current = latest_verification(session, other)
        if current is not None and current.national_id == number:
            return True
    return False
