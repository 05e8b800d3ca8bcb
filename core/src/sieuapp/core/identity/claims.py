"""Which user claims each scope releases (OpenID Connect Core §5.4)."""

from __future__ import annotations

from typing import Any

from .models import User

SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    "profile": ("name", "preferred_username", "locale"),
    "email": ("email",),
    "phone": ("phone_number",),
}


def user_claims(user: User) -> dict[str, Any]:
    return {
        "sub": user.id,
        "name": user.full_name,
        "preferred_username": user.username,
        "locale": user.locale,
        "email": user.email,
        "phone_number": user.phone,
    }


def released_claims(user: User, scopes: frozenset[str]) -> dict[str, Any]:
    """``sub`` always; other claims only for granted scopes, and only when they have a value."""
    every = user_claims(user)
    released: dict[str, Any] = {"sub": user.id}
    for scope in scopes:
        for claim in SCOPE_CLAIMS.get(scope, ()):
            if every.get(claim) is not None:
                released[claim] = every[claim]
    return released
