"""Who is calling: the bearer token of the request, resolved once per request."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from flask import current_app, g, has_request_context, request
from sieuapp.sdk import LocalizedText, Role
from sieuapp.sdk.errors import Forbidden, Unauthorized
from sqlalchemy import select

from ..db import current_session, utcnow
from ..tenancy.context import current_tenant
from ..web.i18n import request_language
from .models import RoleAssignment, Token, User

F = TypeVar("F", bound=Callable[..., object])


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
#: The scope of a token issued on a password alone to a user who must enrol a second factor.
ENROLMENT_SCOPE = "mfa_enroll"
ENROLMENT_ONLY = LocalizedText(
    "Hãy bật xác thực hai lớp trước khi dùng tài khoản này.",
    "Enrol two-factor authentication before using this account.",
)


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
    if "principal" not in g:
        token = _bearer()
        principal = _load(token) if token else None
        if token and principal is None:
            raise Unauthorized("The access token is invalid, expired or revoked.")
        g.principal = principal
    _refuse_enrolment_token(g.principal)
    return g.principal


def accepts_enrolment_token(view: F) -> F:
    """Mark a view that an enrolment-only token may call (the MFA enrolment endpoints)."""
    view.sieuapp_enrolment = True  # type: ignore[attr-defined]
    return view


def _refuse_enrolment_token(principal: Principal | None) -> None:
    # Checked here rather than in require_principal so that every way of reading the caller
    # (role gates, plugin services) refuses a token that has not passed a second factor.
    if principal is None or ENROLMENT_SCOPE not in principal.token_scope:
        return
    view = current_app.view_functions.get(request.endpoint or "") if has_request_context() else None
    if not getattr(view, "sieuapp_enrolment", False):
        language = request_language() if has_request_context() else "vi"
        raise Forbidden(ENROLMENT_ONLY.get(language), {"scope": [ENROLMENT_ONLY.en]})


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
