"""A second factor: TOTP enrolment and verification, recovery codes, and the login challenge.

Holders of the roles in ``SIEUAPP_MFA_ROLES`` (officials, IOC operators and province admins by
default) must use one: after their password they get a challenge (or, before they have enrolled,
a token good only for enrolling), never a full token. Anyone else who enrolled is asked too,
since they chose it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any, Literal, NoReturn

from flask import has_request_context
from sieuapp.sdk import ALL_ROLES, LocalizedText
from sieuapp.sdk.errors import Conflict, InvalidInput, Unauthorized
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from .. import clock
from .._runtime import runtime_of
from ..audit.log import record as audit
from ..web.i18n import request_language
from . import accounts, totp
from .models import MfaChallenge, RecoveryCode, RoleAssignment, TotpCredential, User
from .principal import ENROLMENT_SCOPE, token_digest

#: Seconds between the password and the second factor.
CHALLENGE_TTL = 300
#: Wrong codes a challenge survives; then the password must be given again.
CHALLENGE_MAX_FAILURES = 5
#: An enrolment-only token lives no longer than it takes to scan a QR code.
ENROLMENT_TOKEN_TTL = 900
RECOVERY_CODE_COUNT = 10
#: 16 base32 characters: 80 bits, beyond offline guessing of their SHA-256.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 16


Method = Literal["totp", "recovery_code"]


def _say(vi: str, en: str) -> str:
    text = LocalizedText(vi, en)
    return text.get(request_language() if has_request_context() else "vi")


def _normalize(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _is_totp_shaped(code: str) -> bool:
    return len(code) == totp.DIGITS and code.isascii() and code.isdigit()


# -- state -------------------------------------------------------------------------------------


def credential(session: Session, user_id: str) -> TotpCredential | None:
    return session.scalar(select(TotpCredential).where(TotpCredential.user_id == user_id))


def is_enrolled(session: Session, user_id: str) -> bool:
    found = credential(session, user_id)
    return found is not None and found.confirmed_at is not None


def check_roles(roles: Iterable[str]) -> None:
    """Refuse a configuration naming a role that does not exist: a typo must not switch MFA off."""
    unknown = sorted(set(roles) - ALL_ROLES)
    if unknown:
        raise ValueError(
            f"SIEUAPP_MFA_ROLES names unknown roles: {', '.join(unknown)};"
            f" roles are {', '.join(sorted(ALL_ROLES))}"
        )


def requires_mfa(session: Session, user_id: str, tenant_id: int) -> bool:
    """Whether the user's roles in this tenant call for a second factor."""
    roles = runtime_of().settings.mfa_roles
    if not roles:
        return False
    return bool(
        session.scalar(
            select(func.count()).where(
                RoleAssignment.user_id == user_id,
                RoleAssignment.tenant_id == tenant_id,
                RoleAssignment.role.in_(roles),
            )
        )
    )


def recovery_codes_left(session: Session, user_id: str) -> int:
    return session.scalar(
        select(func.count()).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    )


# -- enrolment ---------------------------------------------------------------------------------


def start_enrolment(session: Session, user: User, issuer: str) -> tuple[str, str]:
    """A new secret and its ``otpauth://`` URI; a pending enrolment is replaced."""
    existing = credential(session, user.id)
    if existing is not None and existing.confirmed_at is not None:
        raise Conflict(
            _say(
                "Tài khoản đã bật xác thực hai lớp; hãy tắt trước khi đăng ký lại.",
                "Two-factor authentication is already on; turn it off before enrolling again.",
            )
        )
    if existing is not None:
        session.delete(existing)
        session.flush()
    secret = totp.new_secret()
    session.add(TotpCredential(user_id=user.id, secret=secret))
    session.flush()
    return secret, totp.provisioning_uri(secret, user.username, issuer)


def confirm_enrolment(session: Session, user: User, code: str, tenant_id: int) -> list[str]:
    """Turn TOTP on once the app shows a right code; returns the recovery codes, shown once."""
    pending = credential(session, user.id)
    if pending is None or pending.confirmed_at is not None:
        raise Conflict(
            _say(
                "Không có đăng ký xác thực hai lớp nào đang chờ xác nhận.",
                "There is no two-factor enrolment waiting for confirmation.",
            )
        )
    if not _accept_totp(session, pending, code):
        _failed(session, user, tenant_id, "enrolment", status=422)
    pending.confirmed_at = clock.now()
    codes = _new_recovery_codes(session, user.id)
    _audit(
        session,
        "mfa.enrolled",
        user,
        tenant_id,
        after={"method": "totp", "recovery_codes": len(codes)},
    )
    return codes


def disable(session: Session, user: User, code: str, tenant_id: int) -> None:
    """Turn TOTP off; it takes a current code (or a recovery code), not just a session."""
    found = credential(session, user.id)
    if found is None or found.confirmed_at is None:
        raise Conflict(
            _say("Xác thực hai lớp chưa được bật.", "Two-factor authentication is not on.")
        )
    method = verify(session, user, code, tenant_id)
    if method is None:
        _failed(session, user, tenant_id, "disable", status=422)
    session.delete(found)
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    _audit(
        session,
        "mfa.disabled",
        user,
        tenant_id,
        before={"method": "totp"},
        after={"verified_with": method},
    )


# -- verification ------------------------------------------------------------------------------


def _accept_totp(session: Session, cred: TotpCredential, code: str) -> bool:
    step = totp.matching_step(totp.decode_secret(cred.secret), code, clock.now().timestamp())
    if step is None:
        return False
    # A conditional update, so two requests racing with one code cannot both win.
    won = session.execute(
        update(TotpCredential)
        .where(
            TotpCredential.id == cred.id,
            or_(TotpCredential.last_step.is_(None), TotpCredential.last_step < step),
        )
        .values(last_step=step)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(cred)
    return won == 1


def _use_recovery_code(session: Session, user_id: str, code: str) -> bool:
    digest = hashlib.sha256(_normalize(code).encode()).hexdigest()
    used = session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == digest,
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=clock.now())
        .execution_options(synchronize_session=False)
    ).rowcount
    return used == 1


def verify(session: Session, user: User, code: str, tenant_id: int) -> Method | None:
    """Check a TOTP or recovery code of an enrolled user, using it up; None when it fails."""
    cred = credential(session, user.id)
    if cred is None or cred.confirmed_at is None:
        return None
    if _is_totp_shaped(_normalize(code)):
        return "totp" if _accept_totp(session, cred, code) else None
    if not _use_recovery_code(session, user.id, code):
        return None
    _audit(
        session,
        "mfa.recovery_code_used",
        user,
        tenant_id,
        after={"recovery_codes_left": recovery_codes_left(session, user.id)},
    )
    return "recovery_code"


def _new_recovery_codes(session: Session, user_id: str) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4)))
        session.add(
            RecoveryCode(user_id=user_id, code_hash=hashlib.sha256(raw.encode()).hexdigest())
        )
    session.flush()
    return codes


def _failed(session: Session, user: User, tenant_id: int, during: str, status: int) -> NoReturn:
    """Audit a wrong code and answer; the audit entry is committed, as the request rolls back."""
    _audit(session, "auth.mfa_failed", user, tenant_id, after={"during": during})
    session.commit()
    message = _say(
        "Mã xác thực không đúng, đã hết hạn hoặc đã được dùng.",
        "The code is wrong, expired or already used.",
    )
    error = InvalidInput if status == 422 else Unauthorized
    raise error(message, {"code": [message]})


# -- sign-in -----------------------------------------------------------------------------------


def login_step(session: Session, user: User, tenant_id: int, ttl: int) -> dict[str, Any] | None:
    """What a correct password earns when a second factor is due; None when it is not.

    Enrolled: a challenge to answer at ``/auth/mfa``. Required but not enrolled: a token that
    only the enrolment endpoints accept."""
    if is_enrolled(session, user.id):
        secret = secrets.token_urlsafe(32)
        session.add(
            MfaChallenge(
                token_hash=token_digest(secret),
                user_id=user.id,
                tenant_id=tenant_id,
                expires_at=clock.now() + timedelta(seconds=CHALLENGE_TTL),
            )
        )
        session.flush()
        return {"mfa_required": True, "mfa_token": secret, "expires_in": CHALLENGE_TTL}
    if not requires_mfa(session, user.id, tenant_id):
        return None
    lifetime = min(ttl, ENROLMENT_TOKEN_TTL)
    answer = accounts.signed_in(session, user, tenant_id, lifetime, scope=ENROLMENT_SCOPE)
    return {**answer, "mfa_enrollment_required": True}


def redeem_challenge(
    session: Session, mfa_token: str, code: str, tenant_id: int
) -> tuple[User, Method]:
    """The user of a live challenge whose second factor is right; the challenge is used up."""
    challenge = session.scalar(
        select(MfaChallenge).where(MfaChallenge.token_hash == token_digest(mfa_token))
    )
    if (
        challenge is None
        or challenge.tenant_id != tenant_id
        or challenge.used_at is not None
        or challenge.expires_at <= clock.now()
        or challenge.failures >= CHALLENGE_MAX_FAILURES
    ):
        message = _say(
            "Phiên xác thực đã hết hạn hoặc không hợp lệ; hãy đăng nhập lại.",
            "The sign-in challenge is invalid or expired; sign in again.",
        )
        raise Unauthorized(message, {"mfa_token": [message]})
    user = session.get(User, challenge.user_id)
    if user is None or not user.active:
        raise Unauthorized(_say("Vui lòng đăng nhập lại.", "Sign in again."))
    method = verify(session, user, code, tenant_id)
    if method is None:
        session.execute(
            update(MfaChallenge)
            .where(MfaChallenge.id == challenge.id)
            .values(failures=MfaChallenge.failures + 1)
            .execution_options(synchronize_session=False)
        )
        _failed(session, user, tenant_id, "login", status=401)
    # Conditional, so one challenge yields one token even under concurrent answers.
    taken = session.execute(
        update(MfaChallenge)
        .where(MfaChallenge.id == challenge.id, MfaChallenge.used_at.is_(None))
        .values(used_at=clock.now())
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise Unauthorized(
            _say("Phiên xác thực đã được dùng.", "The sign-in challenge was already used.")
        )
    return user, method


def _audit(session: Session, action: str, user: User, tenant_id: int, **states: Any) -> None:
    """An audit entry of the user acting on their own second factor."""
    audit(
        session,
        action,
        tenant_id=tenant_id,
        actor_id=user.id,
        actor_label=user.username,
        target=user.id,
        **states,
    )
