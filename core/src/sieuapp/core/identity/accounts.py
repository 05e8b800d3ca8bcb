"""Accounts, role assignments and bearer tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sieuapp.sdk import ALL_ROLES, Role
from sieuapp.sdk.errors import InvalidInput
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit.log import record as audit
from ..db import utcnow
from .models import RoleAssignment, Token, User
from .passwords import hash_password, password_problems, verify_password
from .principal import FIRST_PARTY_CLIENT, token_digest

#: Roles an admin can grant; ``anonymous`` and ``citizen`` are implied, never stored.
ASSIGNABLE_ROLES = frozenset(ALL_ROLES - {Role.ANONYMOUS.value, Role.CITIZEN.value})


def create_user(
    session: Session,
    username: str,
    password: str | None,
    full_name: str = "",
    email: str | None = None,
    phone: str | None = None,
) -> User:
    username = username.strip().lower()
    problems: dict[str, list[str]] = {}
    if not username:
        problems["username"] = ["Must not be empty."]
    elif session.scalar(select(func.count()).where(User.username == username)):
        problems["username"] = ["This username is taken."]
    if password is not None and (found := password_problems(password)):
        problems["password"] = found
    if problems:
        raise InvalidInput("The account cannot be created.", problems)
    user = User(
        username=username,
        password_hash=hash_password(password) if password is not None else None,
        full_name=full_name,
        email=email,
        phone=phone,
    )
    session.add(user)
    session.flush()
    return user


def assign_role(
    session: Session,
    user: User,
    tenant_id: int,
    role: str,
    organization_id: int | None = None,
    granted_by: str | None = None,
) -> RoleAssignment:
    if role not in ASSIGNABLE_ROLES:
        raise InvalidInput(
            "Unknown role.", {"role": [f"Must be one of: {', '.join(sorted(ASSIGNABLE_ROLES))}."]}
        )
    existing = session.scalar(
        select(RoleAssignment).where(
            RoleAssignment.user_id == user.id,
            RoleAssignment.tenant_id == tenant_id,
            RoleAssignment.role == role,
            RoleAssignment.organization_id.is_(None)
            if organization_id is None
            else RoleAssignment.organization_id == organization_id,
        )
    )
    if existing is not None:
        return existing
    assignment = RoleAssignment(
        user_id=user.id,
        tenant_id=tenant_id,
        role=role,
        organization_id=organization_id,
        granted_by=granted_by,
    )
    session.add(assignment)
    session.flush()
    return assignment


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    ok = verify_password(user.password_hash if user else None, password)
    return user if ok and user is not None and user.active else None


def issue_token(
    session: Session,
    user: User,
    tenant_id: int,
    ttl: int,
    client_id: str = FIRST_PARTY_CLIENT,
    scope: str = "",
) -> tuple[str, Token]:
    """A new bearer token; the caller gets the secret, the database keeps only its digest."""
    secret = secrets.token_urlsafe(32)
    token = Token(
        token_hash=token_digest(secret),
        user_id=user.id,
        tenant_id=tenant_id,
        client_id=client_id,
        scope=scope,
        expires_at=utcnow() + timedelta(seconds=ttl),
    )
    session.add(token)
    session.flush()
    return secret, token


def revoke_token(session: Session, secret: str) -> bool:
    token = session.scalar(select(Token).where(Token.token_hash == token_digest(secret)))
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    return True


def signed_in(
    session: Session,
    user: User,
    tenant_id: int,
    ttl: int,
    how: dict[str, str] | None = None,
    scope: str = "",
) -> dict[str, object]:
    """The answer to a completed sign-in: a new bearer token (limited to ``scope`` when one is
    given), audited as ``auth.login``."""
    secret, _ = issue_token(session, user, tenant_id, ttl, scope=scope)
    audit(
        session,
        "auth.login",
        tenant_id=tenant_id,
        actor_id=user.id,
        actor_label=user.username,
        after={**(how or {}), "scope": scope} if scope else how,
    )
    answer: dict[str, object] = {"access_token": secret, "token_type": "Bearer", "expires_in": ttl}
    if scope:
        answer["scope"] = scope
    return answer
