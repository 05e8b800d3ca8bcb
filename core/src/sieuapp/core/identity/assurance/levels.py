"""Assurance levels as OpenID Connect ``acr`` values and OIDC for Identity Assurance claims."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import Forbidden
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import User
from .models import IdentityVerification

#: ``acr`` for level 0 (self-registered), 1 (phone verified) and 2 (identity verified).
ACR_VALUES: tuple[str, str, str] = ("urn:sieuapp:loa:0", "urn:sieuapp:loa:1", "urn:sieuapp:loa:2")
#: OIDC for Identity Assurance ``trust_framework`` of checks against the national population
#: database under Decree 59/2022/NĐ-CP on electronic identification; no predefined value exists
#: for Vietnam, and the specification allows a provider's own.
TRUST_FRAMEWORK = "vn_eid"
#: The document a level-2 check is made against: the CCCD, issued by the Ministry of Public
#: Security. ``idcard`` is the predefined OIDC4IDA document type of a national identity card.
DOCUMENT_TYPE = "idcard"
DOCUMENT_ISSUER = {"name": "Bộ Công an", "country_code": "VNM"}
#: ``data``: the evidence was validated against an authoritative source (the ID register).
CHECK_METHOD = "data"
#: What the discovery document says of ``verified_claims`` (OIDC4IDA §8), for the OP metadata.
DISCOVERY_METADATA: dict[str, Any] = {
    "verified_claims_supported": True,
    "trust_frameworks_supported": [TRUST_FRAMEWORK],
    "evidence_supported": ["document"],
    "documents_supported": [DOCUMENT_TYPE],
    "claims_in_verified_claims_supported": ["name", "birthdate"],
}
#: How to reach each level, for a refusal that names the level missing.
HOW_TO_REACH: dict[int, LocalizedText] = {
    1: LocalizedText(
        "Việc này cần tài khoản đã xác minh số điện thoại (mức 1). "
        "Hãy xác minh tại /account/verify/phone.",
        "This needs an account with a verified phone number (level 1). "
        "Verify it at /account/verify/phone.",
    ),
    2: LocalizedText(
        "Việc này cần tài khoản đã xác minh danh tính bằng căn cước công dân (mức 2). "
        "Hãy xác minh tại /account/verify/identity.",
        "This needs an account whose identity was verified with a citizen ID card (level 2). "
        "Verify it at /account/verify/identity.",
    ),
}


def acr_for(user: User) -> str:
    """The ``acr`` value for the user's current assurance level."""
    level = min(max(user.assurance_level or 0, 0), len(ACR_VALUES) - 1)
    return ACR_VALUES[level]


def level_of(acr: str | None) -> int:
    """The assurance level an ``acr`` value names; unknown or missing ones are level 0."""
    return ACR_VALUES.index(acr) if acr in ACR_VALUES else 0


def below_level(required: int, current: int, language: str) -> Forbidden:
    """The refusal of a user at ``current`` where ``required`` is needed, saying how to get it."""
    target = min(max(required, 1), len(ACR_VALUES) - 1)
    message = HOW_TO_REACH[target].get(language)
    return Forbidden(
        message,
        {"assurance_level": [f"{message} ({current} < {required}, acr {ACR_VALUES[target]})"]},
    )


def latest_verification(session: Session, user_id: str) -> IdentityVerification | None:
    """The user's most recent identity verification, the one that counts."""
    return session.scalar(
        select(IdentityVerification)
        .where(IdentityVerification.user_id == user_id)
        .order_by(IdentityVerification.verified_at.desc(), IdentityVerification.id.desc())
        .limit(1)
    )


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def verified_claims(session: Session, user: User) -> dict[str, Any] | None:
    """The OIDC for Identity Assurance ``verified_claims`` object; None below level 2."""
    if (user.assurance_level or 0) < 2:
        return None
    record = latest_verification(session, user.id)
    if record is None:
        return None
    time = _timestamp(record.verified_at)
    check: dict[str, Any] = {"check_method": CHECK_METHOD, "time": time}
    if record.reference:
        check["check_id"] = record.reference
    return {
        "verification": {
            "trust_framework": record.trust_framework,
            "time": time,
            "verification_process": f"sieuapp-idv-{record.id}",
            "evidence": [
                {
                    "type": "document",
                    "check_details": [check],
                    "document_details": {"type": DOCUMENT_TYPE, "issuer": dict(DOCUMENT_ISSUER)},
                }
            ],
        },
        "claims": {"name": record.full_name, "birthdate": record.birthdate.isoformat()},
    }
