"""What the API and the account page share: the checks before an erasure, and the answers."""

from __future__ import annotations

from typing import Any

from flask import request
from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import InvalidInput, Unauthorized
from sqlalchemy.orm import Session

from ...audit.log import record as audit
from .. import throttle
from ..models import User
from . import erasure, export

T = LocalizedText
WRONG_CONFIRMATION = T(
    "Hãy gõ đúng tên đăng nhập của bạn để xác nhận.", "Type your username exactly to confirm."
)
WRONG_PASSWORD = T("Mật khẩu không đúng.", "The password is wrong.")
NO_PASSWORD = T(
    "Tài khoản này không có mật khẩu: hãy đăng nhập lại trên trang tài khoản rồi xóa ở đó.",
    "This account has no password: sign in again on the account page and erase it there.",
)
PASSWORD_NEEDED = T("Hãy nhập mật khẩu của bạn.", "Enter your password.")
ERASED = T(
    "Tài khoản của bạn đã bị xóa. Những gì pháp luật buộc phải giữ được liệt kê kèm lý do.",
    "Your account is erased. What the law requires us to keep is listed with the reason.",
)


def check_confirmation(user: User, confirm: str | None, language: str) -> None:
    """The person typed their own username, so an erasure is never one careless click."""
    if (confirm or "").strip().lower() != user.username:
        message = WRONG_CONFIRMATION.get(language)
        raise InvalidInput(message, {"confirm": [message]})


def check_password(
    session: Session, user: User, password: str | None, tenant_id: int, language: str
) -> None:
    """The password typed again, through the sign-in throttle (counted and audited like a
    sign-in, so a stolen token cannot be used to guess it)."""
    if user.password_hash is None:
        message = NO_PASSWORD.get(language)
        raise InvalidInput(message, {"password": [message]})
    if not password:
        message = PASSWORD_NEEDED.get(language)
        raise InvalidInput(message, {"password": [message]})
    try:
        found = throttle.sign_in(
            session,
            user.username,
            password,
            tenant_id=tenant_id,
            address=request.remote_addr,
            policy=throttle.policy(),
            language=language,
        )
    except Unauthorized:
        message = WRONG_PASSWORD.get(language)
        raise Unauthorized(message, {"password": [message]}) from None
    if found.id != user.id:
        message = WRONG_PASSWORD.get(language)
        raise Unauthorized(message, {"password": [message]})


def exported(session: Session, user: User, tenant_id: int, language: str) -> dict[str, Any]:
    """The export, audited as ``data.exported`` (written first: see ``plugins._savepoint_safe``)."""
    entry = audit(
        session,
        "data.exported",
        tenant_id=tenant_id,
        actor_id=user.id,
        actor_label=user.username,
        target=f"user:{user.id}",
    )
    session.flush()
    answer = export.export(session, user, language)
    entry.after = {
        "plugins": sorted(answer["plugins"]),
        "failed_plugins": [f["plugin"] for f in answer["failed_plugins"]],
    }
    return answer


def erased(session: Session, user: User, tenant_id: int, language: str) -> dict[str, Any]:
    answer = erasure.erase(session, user, tenant_id, language)
    return {"message": ERASED.get(language), **answer}
