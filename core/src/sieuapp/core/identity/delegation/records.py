"""Recording, revoking and using a citizen's consent that an agent may act for them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import has_request_context
from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import Conflict, InvalidInput
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ... import clock
from ..._runtime import runtime_of
from ...audit.log import record as audit
from ...db import utcnow
from ...web.i18n import request_language
from .. import accounts
from ..consent import STANDARD_SCOPES
from ..models import Token, User
from .models import Delegation

UNKNOWN_AGENT = LocalizedText(
    "Không có tài khoản nào với tên đăng nhập này.", "No account has this username."
)
SELF_AGENT = LocalizedText("Không thể ủy quyền cho chính mình.", "You cannot authorize yourself.")
UNKNOWN_CITIZEN = LocalizedText(
    "Không có công dân nào với tên đăng nhập này.", "No citizen has this username."
)
PAST_EXPIRY = LocalizedText("Thời hạn phải ở trong tương lai.", "The expiry must be in the future.")
NOT_LIVE = LocalizedText(
    "Ủy quyền này đã bị thu hồi hoặc đã hết hạn.", "This delegation is revoked or expired."
)
BEYOND_DELEGATION = LocalizedText(
    "Vượt quá phạm vi của ủy quyền.", "Beyond the scope of the delegation."
)


def say(text: LocalizedText) -> str:
    """``text`` in the caller's language."""
    return text.get(request_language() if has_request_context() else "vi")


def known_scopes() -> frozenset[str]:
    """The scopes the platform knows: the standard ones and every loaded plugin's."""
    names = set(STANDARD_SCOPES)
    host = runtime_of().host
    for record in host.loaded():
        manifest = host.manifest(record.id)
        if manifest is not None:
            names.update(scope.name for scope in manifest.scopes)
    return frozenset(names)


def parse_scope(value: str | None, allowed: Iterable[str], field: str = "scope") -> str:
    """``value`` normalized (sorted, no duplicates), refused when it names a scope outside
    ``allowed``."""
    names = sorted(set((value or "").split()))
    unknown = [name for name in names if name not in set(allowed)]
    if unknown:
        raise InvalidInput(
            say(LocalizedText("Phạm vi không hợp lệ.", "Invalid scope.")),
            {field: [f"{say(LocalizedText('Không biết', 'Unknown'))}: {' '.join(unknown)}"]},
        )
    return " ".join(names)


def find_user(session: Session, username: str, field: str, unknown: LocalizedText) -> User:
    """The active account named ``username``; an unknown or closed one is a field error."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None or not user.active:
        raise InvalidInput(say(unknown), {field: [say(unknown)]})
    return user


def is_live(delegation: Delegation) -> bool:
    """Neither revoked nor expired."""
    return delegation.revoked_at is None and (
        delegation.expires_at is None or delegation.expires_at > clock.now()
    )


def status(delegation: Delegation) -> str:
    if delegation.revoked_at is not None:
        return "revoked"
    return "active" if is_live(delegation) else "expired"


def view(session: Session, delegation: Delegation) -> dict[str, Any]:
    """The delegation as both parties and officials see it."""

    def person(user_id: str) -> dict[str, Any]:
        user = session.get(User, user_id)
        return {
            "id": user_id,
            "username": user.username if user else None,
            "full_name": user.full_name if user else None,
        }

    return {
        "id": delegation.id,
        "citizen": person(delegation.citizen_id),
        "agent": person(delegation.agent_id),
        "purpose": delegation.purpose,
        "scope": delegation.scope,
        "recorded_by": person(delegation.recorded_by),
        "evidence": delegation.evidence,
        "granted_at": delegation.granted_at,
        "expires_at": delegation.expires_at,
        "revoked_at": delegation.revoked_at,
        "status": status(delegation),
    }


def _audit_view(delegation: Delegation) -> dict[str, Any]:
    return {
        "id": delegation.id,
        "citizen_id": delegation.citizen_id,
        "agent_id": delegation.agent_id,
        "purpose": delegation.purpose,
        "scope": delegation.scope,
        "evidence": delegation.evidence,
        "expires_at": delegation.expires_at.isoformat() if delegation.expires_at else None,
    }


def grant(
    session: Session,
    *,
    tenant_id: int,
    citizen: User,
    agent: User,
    purpose: str,
    scope: str,
    expires_at: datetime | None,
    recorder: User,
    evidence: str | None = None,
) -> Delegation:
    """Record that ``agent`` may act for ``citizen`` in the tenant; audited as
    ``delegation.granted`` (an official recording a paper form acts on behalf of the citizen)."""
    problems: dict[str, list[str]] = {}
    if agent.id == citizen.id:
        problems["agent"] = [say(SELF_AGENT)]
    if expires_at is not None and expires_at <= clock.now():
        problems["expires_at"] = [say(PAST_EXPIRY)]
    if problems:
        raise InvalidInput(
            say(LocalizedText("Một số trường không hợp lệ.", "Some fields are invalid.")), problems
        )
    delegation = Delegation(
        tenant_id=tenant_id,
        citizen_id=citizen.id,
        agent_id=agent.id,
        purpose=purpose.strip(),
        scope=parse_scope(scope, known_scopes()),
        recorded_by=recorder.id,
        evidence=evidence,
        granted_at=clock.now(),
        expires_at=expires_at,
    )
    session.add(delegation)
    session.flush()
    audit(
        session,
        "delegation.granted",
        tenant_id=tenant_id,
        actor_id=recorder.id,
        actor_label=recorder.username,
        on_behalf_of=citizen.id if recorder.id != citizen.id else None,
        target=f"user:{agent.id}",
        after=_audit_view(delegation),
    )
    return delegation


def revoke(session: Session, delegation: Delegation, by: User) -> bool:
    """Revoke it and the access tokens the agent holds for the citizen here; False when it
    already was. Audited as ``delegation.revoked``."""
    if delegation.revoked_at is not None:
        return False
    delegation.revoked_at = clock.now()
    # Tokens do not name their delegation: every token of this agent for this citizen in this
    # tenant goes, which errs on the side of the citizen when two delegations overlap.
    session.execute(
        update(Token)
        .where(
            Token.user_id == delegation.citizen_id,
            Token.actor_id == delegation.agent_id,
            Token.tenant_id == delegation.tenant_id,
            Token.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
    audit(
        session,
        "delegation.revoked",
        tenant_id=delegation.tenant_id,
        actor_id=by.id,
        actor_label=by.username,
        on_behalf_of=delegation.citizen_id if by.id != delegation.citizen_id else None,
        target=f"user:{delegation.agent_id}",
        before={"status": "active"},
        after=_audit_view(delegation),
    )
    return True


def given(session: Session, tenant_id: int, citizen_id: str) -> list[Delegation]:
    return list(
        session.scalars(
            select(Delegation)
            .where(Delegation.tenant_id == tenant_id, Delegation.citizen_id == citizen_id)
            .order_by(Delegation.granted_at.desc(), Delegation.id.desc())
        )
    )


def received(session: Session, tenant_id: int, agent_id: str) -> list[Delegation]:
    return list(
        session.scalars(
            select(Delegation)
            .where(Delegation.tenant_id == tenant_id, Delegation.agent_id == agent_id)
            .order_by(Delegation.granted_at.desc(), Delegation.id.desc())
        )
    )


def of_user(session: Session, user_id: str) -> list[Delegation]:
    """Every delegation the user gave or received, in every tenant."""
    return list(
        session.scalars(
            select(Delegation)
            .where(or_(Delegation.citizen_id == user_id, Delegation.agent_id == user_id))
            .order_by(Delegation.id)
        )
    )


def issue_agent_token(
    session: Session, delegation: Delegation, ttl: int, scope: str | None = None
) -> tuple[str, Token, int]:
    """A short-lived access token for the citizen, carried by the agent: ``(secret, token,
    seconds it lives)``. Its scope is the delegation's, or the part of it asked for."""
    if not is_live(delegation):
        raise Conflict(say(NOT_LIVE), {"delegation": [NOT_LIVE.en]})
    citizen = session.get(User, delegation.citizen_id)
    if citizen is None or not citizen.active:
        raise Conflict(say(NOT_LIVE), {"delegation": [NOT_LIVE.en]})
    granted = delegation.scope.split()
    if scope is None:
        chosen = delegation.scope
    else:
        try:
            chosen = parse_scope(scope, granted)
        except InvalidInput as exc:
            raise InvalidInput(say(BEYOND_DELEGATION), exc.errors) from exc
    now = utcnow()
    lifetime = ttl
    if delegation.expires_at is not None:
        lifetime = min(ttl, int((delegation.expires_at - now).total_seconds()))
        if lifetime <= 0:
            raise Conflict(say(NOT_LIVE), {"delegation": [NOT_LIVE.en]})
    secret, token = accounts.issue_token(
        session, citizen, delegation.tenant_id, lifetime, scope=chosen
    )
    token.actor_id = delegation.agent_id
    agent = session.get(User, delegation.agent_id)
    audit(
        session,
        "delegation.token_issued",
        tenant_id=delegation.tenant_id,
        actor_id=delegation.agent_id,
        actor_label=agent.username if agent else "",
        on_behalf_of=delegation.citizen_id,
        target=f"delegation:{delegation.id}",
        after={"scope": chosen, "expires_in": lifetime},
    )
    return secret, token, lifetime
