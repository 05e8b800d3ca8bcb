"""Everything the platform holds about one user, as JSON: the core's records and each plugin's
``export_user_data`` answer. Secrets (password hash, token digests, TOTP secret, codes) never."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar

from sieuapp.sdk import LocalizedText
from sqlalchemy import or_, select
from sqlalchemy.engine import ScalarResult
from sqlalchemy.orm import Session

from ...audit.models import AuditEntry
from ...db import utcnow
from ...payments.personal_data import export_payments
from ...plugins.usage import export_module_usage
from ...reports.personal_data import export_reports
from ...tenancy.models import Organization, Tenant
from ..assurance.models import IdentityVerification, PhoneVerification
from ..delegation import records as delegations
from ..federation.models import FederatedIdentity
from ..models import Consent, RecoveryCode, RoleAssignment, Token, TotpCredential, User
from ..oidc.models import RefreshToken
from . import plugins
from .notifications import export_notification_data

#: Bumped when the layout of the export changes, so that programs reading it can tell.
FORMAT = 1
PLUGIN_FAILED = LocalizedText(
    "Dịch vụ này không trả lời được lúc này; dữ liệu của nó chưa có trong bản xuất. "
    "Hãy thử lại sau.",
    "This service could not answer now; its data is missing from this export. Try again later.",
)
NOT_JSON = "its answer is not JSON data"


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _slugs(session: Session) -> dict[int, str]:
    return {tenant_id: slug for tenant_id, slug in session.execute(select(Tenant.id, Tenant.slug))}


def account(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "phone": user.phone,
        "phone_verified_at": _iso(user.phone_verified_at),
        "locale": user.locale,
        "active": user.active,
        "assurance_level": user.assurance_level,
        "has_password": user.password_hash is not None,
        "created_at": _iso(user.created_at),
    }


# The records that belong to one user alone and are exported whole, in the order written.
_Owned = TypeVar("_Owned", Consent, PhoneVerification, IdentityVerification, FederatedIdentity)


def _owned(session: Session, model: type[_Owned], uid: str) -> ScalarResult[_Owned]:
    return session.scalars(select(model).where(model.user_id == uid).order_by(model.id))


def core_data(session: Session, user: User) -> dict[str, Any]:
    """The core's records about ``user``, in every tenant."""
    slug = _slugs(session)
    uid = user.id
    roles = session.execute(
        select(RoleAssignment, Organization.code)
        .outerjoin(Organization, Organization.id == RoleAssignment.organization_id)
        .where(RoleAssignment.user_id == uid)
        .order_by(RoleAssignment.id)
    ).all()
    tokens = session.scalars(
        select(Token).where(or_(Token.user_id == uid, Token.actor_id == uid)).order_by(Token.id)
    )
    refresh = session.scalars(
        select(RefreshToken)
        .where(or_(RefreshToken.user_id == uid, RefreshToken.actor_id == uid))
        .order_by(RefreshToken.id)
    )
    totp = session.scalar(select(TotpCredential).where(TotpCredential.user_id == uid))
    codes_left = len(
        session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == uid, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )
    audit = session.scalars(
        select(AuditEntry)
        .where(
            or_(
                AuditEntry.actor_id == uid,
                AuditEntry.on_behalf_of == uid,
                AuditEntry.target.in_((uid, f"user:{uid}")),
            )
        )
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    given = [d for d in delegations.of_user(session, uid) if d.citizen_id == uid]
    received = [d for d in delegations.of_user(session, uid) if d.agent_id == uid]
    return {
        "account": account(user),
        "roles": [
            {
                "tenant": slug.get(r.tenant_id),
                "role": r.role,
                "organization": code,
                "granted_at": _iso(r.created_at),
            }
            for r, code in roles
        ],
        # Metadata only: the database keeps a digest of each token, and even that stays here.
        "tokens": [
            {
                "tenant": slug.get(t.tenant_id),
                "client_id": t.client_id,
                "scope": t.scope,
                "issued_at": _iso(t.issued_at),
                "expires_at": _iso(t.expires_at),
                "revoked_at": _iso(t.revoked_at),
                "for_user": t.user_id,
                "agent": t.actor_id,
            }
            for t in tokens
        ],
        "refresh_tokens": [
            {
                "tenant": slug.get(t.tenant_id),
                "client_id": t.client_id,
                "scope": t.scope,
                "issued_at": _iso(t.issued_at),
                "expires_at": _iso(t.expires_at),
                "rotated_at": _iso(t.rotated_at),
                "revoked_at": _iso(t.revoked_at),
            }
            for t in refresh
        ],
        "consents": [
            {
                "tenant": slug.get(c.tenant_id),
                "plugin": c.plugin_id,
                "scopes": c.scopes.split(),
                "granted_at": _iso(c.granted_at),
                "revoked_at": _iso(c.revoked_at),
            }
            for c in _owned(session, Consent, uid)
        ],
        "mfa": {
            "totp_enrolled": totp is not None and totp.confirmed_at is not None,
            "enrolled_at": _iso(totp.confirmed_at) if totp is not None else None,
            "recovery_codes_left": codes_left,
        },
        "assurance": {
            "level": user.assurance_level,
            "phone_verifications": [
                {
                    "phone": p.phone,
                    "created_at": _iso(p.created_at),
                    "used_at": _iso(p.used_at),
                }
                for p in _owned(session, PhoneVerification, uid)
            ],
            "identity_verifications": [
                {
                    "national_id": v.national_id,
                    "full_name": v.full_name,
                    "birthdate": _iso(v.birthdate),
                    "provider": v.provider,
                    "trust_framework": v.trust_framework,
                    "reference": v.reference,
                    "verified_at": _iso(v.verified_at),
                }
                for v in _owned(session, IdentityVerification, uid)
            ],
        },
        "federated_identities": [
            {
                "provider": f.provider,
                "issuer": f.issuer,
                "subject": f.subject,
                "linked_at": _iso(f.linked_at),
                "last_login_at": _iso(f.last_login_at),
            }
            for f in _owned(session, FederatedIdentity, uid)
        ],
        "delegations": {
            "given": [_delegation(session, d, slug) for d in given],
            "received": [_delegation(session, d, slug) for d in received],
        },
        "audit": [
            {
                "at": _iso(e.at),
                "tenant": slug.get(e.tenant_id) if e.tenant_id is not None else None,
                "action": e.action,
                "actor": e.actor_label,
                "actor_id": e.actor_id,
                "on_behalf_of": e.on_behalf_of,
                "target": e.target,
                "plugin": e.plugin_id,
                "ip": e.ip,
            }
            for e in audit
        ],
        **export_reports(session, uid),
        **export_notification_data(session, uid),
        **export_payments(session, uid),
        **export_module_usage(session, uid),
    }


def _delegation(session: Session, delegation: Any, slug: dict[int, str]) -> dict[str, Any]:
    view = delegations.view(session, delegation)
    for key in ("granted_at", "expires_at", "revoked_at"):
        view[key] = _iso(view[key])
    return {"tenant": slug.get(delegation.tenant_id), **view}


def export(session: Session, user: User, language: str) -> dict[str, Any]:
    """The whole export: the core's data, then each enabled plugin's answer by plugin id and
    tenant; plugins that failed are listed under ``failed_plugins`` (the rest still answer)."""
    answer: dict[str, Any] = {"format": FORMAT, "exported_at": _iso(utcnow())}
    answer.update(core_data(session, user))
    found: dict[str, dict[str, Any]] = {}
    failed: list[dict[str, str]] = []
    for outcome in plugins.call_everywhere("export_user_data", user.id, enabled_only=True):
        data = outcome.answer if outcome.answer is not None else {}
        error = outcome.error or (None if plugins.is_json(data) else NOT_JSON)
        if error is not None:
            failed.append(
                {
                    "plugin": outcome.plugin_id,
                    "tenant": outcome.tenant,
                    "message": PLUGIN_FAILED.get(language),
                }
            )
            continue
        found.setdefault(outcome.plugin_id, {})[outcome.tenant] = data
    answer["plugins"] = found
    answer["failed_plugins"] = failed
    answer["complete"] = not failed
    return answer
