"""Who is calling: the bearer token of the request, resolved once per request."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from flask import g, request
from sieuapp.sdk import Role
from sieuapp.sdk.errors import Forbidden, Unauthorized
from sqlalchemy import select

from ..db import current_session, utcnow
from ..tenancy.context import current_tenant
from .models import RoleAssignment, Token, User


@dataclass(frozen=True)
class Principal:
    user_id: str
    username: str
    full_name: str
    tenant_id: int
    #: Assigned roles plus the implied ``citizen`` and ``anonymous``.
    roles: frozenset[str]
    token_scope: frozenset[str] = field(default_factory=frozenset)
    #: Organizations the user acts in, by role.
    organizations: tuple[tuple[str, int], ...] = ()

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


ANONYMOUS_ROLES = frozenset({Role.ANONYMOUS.value})


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def current_principal() -> Principal | None:
    """The signed-in caller, or None; an invalid token is an error, not anonymity."""
    if "principal" in g:
        return g.principal
    token = _bearer()
    principal = _load(token) if token else None
    if token and principal is None:
        raise Unauthorized("The access token is invalid, expired or revoked.")
    g.principal = principal
    return principal


def _load(token: str) -> Principal | None:
    tenant = current_tenant()
    session = current_session()
    row = session.execute(
        select(Token, User)
        .join(User, User.id == Token.user_id)
        .where(Token.token_hash == token_digest(token))
    ).first()
    if row is None:
        return None
    tok, user = row
    if tok.revoked_at is not None or tok.expires_at <= utcnow() or not user.active:
        return None
    if tok.tenant_id != tenant.id:
        return None
    assignments = session.execute(
        select(RoleAssignment.role, RoleAssignment.organization_id).where(
            RoleAssignment.user_id == user.id, RoleAssignment.tenant_id == tenant.id
        )
    ).all()
    roles = {Role.ANONYMOUS.value, Role.CITIZEN.value} | {r for r, _ in assignments}
    return Principal(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        tenant_id=tenant.id,
        roles=frozenset(roles),
        token_scope=frozenset(tok.scope.split()),
        organizations=tuple((r, o) for r, o in assignments if o is not None),
    )


def caller_roles() -> frozenset[str]:
    principal = current_principal()
    return principal.roles if principal else ANONYMOUS_ROLES


def require_principal(*roles: str) -> Principal:
    """The caller, signed in and holding one of ``roles`` when any are given."""
    principal = current_principal()
    if principal is None:
        raise Unauthorized("Sign in first.")
    if roles and not principal.has_role(*roles):
        raise Forbidden(f"This needs one of the roles: {', '.join(roles)}.")
    return principal
