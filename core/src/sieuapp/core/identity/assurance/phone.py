"""Level 1: a phone number proven by a six-digit code sent to it.

A code is stored as an HMAC keyed with the platform's secret, bound to the user and the number:
six digits are too few for a plain hash to keep them from anyone who reads the table. A code
lives ``SIEUAPP_PHONE_CODE_TTL`` seconds, dies after ``SIEUAPP_PHONE_CODE_ATTEMPTS`` wrong
answers, and a new one replaces it; codes are rationed per user and per number (cooldown and a
daily limit) because each one costs an SMS and lands on someone's phone.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import Conflict, InvalidInput
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ... import clock
from ..._runtime import runtime_of
from ...audit.log import record as audit
from ..models import User
from . import phone_numbers, providers
from .errors import RetryLater
from .levels import acr_for
from .models import PhoneVerification

CODE_DIGITS = 6
DAY = timedelta(hours=24)

RESEND_USER = LocalizedText(
    "Bạn vừa yêu cầu một mã. Hãy chờ trước khi yêu cầu mã mới.",
    "You asked for a code a moment ago. Wait before asking for a new one.",
)
RESEND_NUMBER = LocalizedText(
    "Số này vừa nhận một mã. Hãy chờ trước khi yêu cầu mã mới.",
    "This number received a code a moment ago. Wait before asking for a new one.",
)
DAILY_LIMIT = LocalizedText(
    "Đã gửi quá nhiều mã trong 24 giờ qua. Vui lòng thử lại sau.",
    "Too many codes were sent in the last 24 hours. Please try again later.",
)
ALREADY_VERIFIED = LocalizedText(
    "Số điện thoại này đã được xác minh cho tài khoản của bạn.",
    "This phone number is already verified for your account.",
)
NO_CODE = LocalizedText(
    "Chưa có mã nào được gửi. Hãy yêu cầu mã trước.",
    "No code was sent. Ask for a code first.",
)
EXPIRED = LocalizedText(
    "Mã đã hết hạn. Hãy yêu cầu mã mới.", "The code has expired. Ask for a new one."
)
EXHAUSTED = LocalizedText(
    "Đã nhập sai quá nhiều lần. Hãy yêu cầu mã mới.",
    "Too many wrong codes. Ask for a new one.",
)
WRONG = LocalizedText("Mã không đúng.", "The code is wrong.")
MALFORMED = LocalizedText("Mã gồm 6 chữ số.", "The code is 6 digits.")


@dataclass(frozen=True)
class CodeSent:
    """What the user is told after a code went out (never the code)."""

    phone: str
    expires_in: int
    resend_after: int
    sender: str


def code_digest(user_id: str, phone: str, code: str) -> str:
    key = runtime_of().settings.secret_key.encode()
    return hmac.new(key, f"{user_id}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def sms_text(code: str, minutes: int, language: str) -> str:
    # Without diacritics: one GSM-7 SMS holds 160 of them, a Unicode one only 70.
    if language == "en":
        return f"sieuapp: your verification code is {code}, valid {minutes} min. Never share it."
    return f"sieuapp: ma xac minh cua ban la {code}, hieu luc {minutes} phut. Khong chia se ma."


def pending(session: Session, user_id: str) -> PhoneVerification | None:
    """The user's newest code not yet used (it may have expired or be exhausted)."""
    return session.scalar(
        select(PhoneVerification)
        .where(PhoneVerification.user_id == user_id, PhoneVerification.used_at.is_(None))
        .order_by(PhoneVerification.created_at.desc(), PhoneVerification.id.desc())
        .limit(1)
    )


def _wait(last: datetime | None, period: int, now: datetime) -> int:
    if last is None:
        return 0
    return max(0, int((last + timedelta(seconds=period) - now).total_seconds() + 0.999))


def _ration(session: Session, user: User, phone: str, now: datetime, language: str) -> None:
    settings = runtime_of().settings
    mine = PhoneVerification.user_id == user.id
    theirs = PhoneVerification.phone == phone
    last_mine = session.scalar(select(func.max(PhoneVerification.created_at)).where(mine))
    if wait := _wait(last_mine, settings.phone_code_resend_after, now):
        message = RESEND_USER.get(language)
        raise RetryLater(message, wait, {"_request": [message]})
    last_theirs = session.scalar(select(func.max(PhoneVerification.created_at)).where(theirs))
    if wait := _wait(last_theirs, settings.phone_code_resend_after, now):
        message = RESEND_NUMBER.get(language)
        raise RetryLater(message, wait, {"phone": [message]})
    for who, field in ((mine, "_request"), (theirs, "phone")):
        recent = session.scalars(
            select(PhoneVerification.created_at)
            .where(who, PhoneVerification.created_at > now - DAY)
            .order_by(PhoneVerification.created_at)
        ).all()
        if len(recent) >= settings.phone_code_daily_limit:
            oldest_counted = recent[len(recent) - settings.phone_code_daily_limit]
            message = DAILY_LIMIT.get(language)
            raise RetryLater(
                message, _wait(oldest_counted, int(DAY.total_seconds()), now), {field: [message]}
            )


def request_code(session: Session, user: User, raw_phone: str, language: str) -> CodeSent:
    """Send a new code to ``raw_phone`` (a Vietnamese mobile number) for ``user``."""
    phone = phone_numbers.to_e164(raw_phone)
    if phone is None:
        message = phone_numbers.NOT_A_MOBILE.get(language)
        raise InvalidInput(message, {"phone": [message]})
    if user.phone == phone and user.phone_verified_at is not None:
        message = ALREADY_VERIFIED.get(language)
        raise Conflict(message, {"phone": [message]})
    # One request at a time per user, so that two quick clicks cannot both pass the cooldown.
    session.execute(select(User.id).where(User.id == user.id).with_for_update())
    now = clock.now()
    _ration(session, user, phone, now, language)
    settings = runtime_of().settings
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    minutes = max(1, settings.phone_code_ttl // 60)
    sender = providers.send_sms(phone, sms_text(code, minutes, language), language)
    # A new code replaces any earlier one still waiting.
    session.execute(
        update(PhoneVerification)
        .where(
            PhoneVerification.user_id == user.id,
            PhoneVerification.used_at.is_(None),
            PhoneVerification.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    session.add(
        PhoneVerification(
            user_id=user.id,
            phone=phone,
            code_hash=code_digest(user.id, phone, code),
            expires_at=now + timedelta(seconds=settings.phone_code_ttl),
            created_at=now,
        )
    )
    session.flush()
    return CodeSent(
        phone=phone,
        expires_in=settings.phone_code_ttl,
        resend_after=settings.phone_code_resend_after,
        sender=sender,
    )


def confirm_code(
    session: Session,
    user: User,
    raw_code: str,
    tenant_id: int,
    language: str,
) -> User:
    """Accept the code of the user's pending verification: the number becomes the user's,
    verified, and the user at least level 1. Wrong answers are counted even though the request
    fails, so the session is committed before answering them."""
    code = "".join(raw_code.split())
    verification = pending(session, user.id)
    now = clock.now()
    if verification is None:
        raise Conflict(NO_CODE.get(language), {"code": [NO_CODE.get(language)]})
    if verification.expires_at <= now:
        raise Conflict(EXPIRED.get(language), {"code": [EXPIRED.get(language)]})
    limit = runtime_of().settings.phone_code_attempts
    if verification.failures >= limit:
        raise RetryLater(
            EXHAUSTED.get(language),
            runtime_of().settings.phone_code_resend_after,
            {"code": [EXHAUSTED.get(language)]},
        )
    if len(code) != CODE_DIGITS or not code.isascii() or not code.isdigit():
        raise InvalidInput(MALFORMED.get(language), {"code": [MALFORMED.get(language)]})
    expected = verification.code_hash
    if not hmac.compare_digest(expected, code_digest(user.id, verification.phone, code)):
        _count_failure(session, verification, user, tenant_id, limit, language)
    # Conditional, so that one code verifies once even when two requests race with it.
    taken = session.execute(
        update(PhoneVerification)
        .where(
            PhoneVerification.id == verification.id,
            PhoneVerification.used_at.is_(None),
            PhoneVerification.failures < limit,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise Conflict(NO_CODE.get(language), {"code": [NO_CODE.get(language)]})
    before = {"level": user.assurance_level, "phone": _masked(user.phone)}
    user.phone = verification.phone
    user.phone_verified_at = now
    user.assurance_level = max(user.assurance_level or 0, 1)
    audit(
        session,
        "assurance.phone_verified",
        tenant_id=tenant_id,
        actor_id=user.id,
        actor_label=user.username,
        target=user.id,
        before=before,
        after={
            "level": user.assurance_level,
            "acr": acr_for(user),
            "phone": phone_numbers.masked(verification.phone),
        },
    )
    session.flush()
    return user


def _masked(phone: str | None) -> str | None:
    return phone_numbers.masked(phone) if phone else None


def _count_failure(
    session: Session,
    verification: PhoneVerification,
    user: User,
    tenant_id: int,
    limit: int,
    language: str,
) -> None:
    session.execute(
        update(PhoneVerification)
        .where(PhoneVerification.id == verification.id)
        .values(failures=PhoneVerification.failures + 1)
        .execution_options(synchronize_session=False)
    )
    audit(
        session,
        "assurance.phone_failed",
        tenant_id=tenant_id,
        actor_id=user.id,
        actor_label=user.username,
        target=user.id,
        after={"phone": phone_numbers.masked(verification.phone)},
    )
    session.commit()
    session.refresh(verification)
    left = limit - verification.failures
    if left <= 0:
        message = EXHAUSTED.get(language)
        raise RetryLater(
            message, runtime_of().settings.phone_code_resend_after, {"code": [message]}
        )
    message = WRONG.get(language)
    detail = LocalizedText(f"Còn {left} lần thử.", f"{left} attempts left.").get(language)
    raise InvalidInput(message, {"code": [f"{message} {detail}"]})
