"""What the account's owner may see of their assurance: level, verified number, masked ID."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ... import clock
from ..._runtime import runtime_of
from ..models import User
from . import national_id, phone
from .levels import acr_for, latest_verification


def assurance_view(session: Session, user: User) -> dict[str, Any]:
    record = latest_verification(session, user.id)
    waiting = phone.pending(session, user.id)
    live = (
        waiting is not None
        and waiting.expires_at > clock.now()
        and waiting.failures < runtime_of().settings.phone_code_attempts
    )
    return {
        "level": user.assurance_level or 0,
        "acr": acr_for(user),
        "phone": user.phone if user.phone_verified_at is not None else None,
        "phone_verified_at": user.phone_verified_at,
        "identity": None
        if record is None or (user.assurance_level or 0) < 2
        else {
            "verified_at": record.verified_at,
            "national_id": national_id.masked(record.national_id),
            "provider": record.provider,
        },
        "pending_phone_verification": {"phone": waiting.phone, "expires_at": waiting.expires_at}
        if live and waiting is not None
        else None,
    }
