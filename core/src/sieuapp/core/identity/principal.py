"""Who is calling: the bearer token of the request, resolved once per request."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import current_app, g, has_request_context, request
from sieuapp.sdk import LocalizedText, Role
from sieuapp.sdk.errors import Forbidden, Unauthorized
from sqlalchemy import select

from ..db import current_session, utcnow
from ..plugins._routing import request_plugin
from ..tenancy.context import current_tenant
from ..web.i18n import request_language
from .models import RoleAssignment, Token, User
from .oidc.models import OAuthClient

F = TypeVar("F", bound=Callable[..., object])

#: The app's own sign-in (password, second factor, delegation). The only other first-party
#: clients are OAuth clients of kind ``first_party`` (the web shell); every other is a third party.
FIRST_PARTY_CLIENT = "sieuapp-app"
#: ``OAuthClient.kind`` of the platform's own clients (``oidc.clients.FIRST_PARTY``).
FIRST_PARTY_KIND = "first_party"


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
    #: The authorized agent acting for ``user_id`` under a delegation; None when the user acts.
    actor_id: str | None = None
    actor_username: str | None = None
    #: The OAuth client the token was issued to; a third party's token reaches only the routes
    #: of the plugin that owns that client (``client_plugin``), never the core's own APIs.
    client_id: str = FIRST_PARTY_CLIENT
    client_plugin: str | None = None
    #: Issued to the platform itself (the app's sign-in or a ``first_party`` OAuth client):
    #: such a token reaches the core's APIs like the user's own sign-in.
    first_party: bool = True

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


ANONYMOUS_ROLES = frozenset({Role.ANONYMOUS.value})

#: The scope of a token issued on a password alone to a user who must enrol a second factor.
ENROLMENT_SCOPE = "mfa_enroll"
AGENT_REFUSED = LocalizedText(
    "Người được ủy quyền không thể làm việc này thay chủ tài khoản.",
    "An authorized agent cannot do this for the account holder.",
)
THIRD_PARTY_REFUSED = LocalizedText(
    "Mã truy cập này được cấp cho một ứng dụng khác; nó chỉ dùng được cho dịch vụ của ứng dụng đó.",
    "This access token was issued to another application; it only reaches that application's "
    "own service.",
)
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
    _refuse_agent_token(g.principal)
    _refuse_third_party_token(g.principal)
    return g.principal


def _refuse_third_party_token(principal: Principal | None) -> None:
    # A token a user gave a plugin's client carries that user's consent to that plugin only:
    # it must not manage their account, consents or anything an admin token could.
    if principal is None or principal.first_party or not has_request_context():
        return
    if principal.client_plugin is not None and request_plugin() == principal.client_plugin:
        return
    raise Forbidden(
        THIRD_PARTY_REFUSED.get(request_language()), {"_request": [THIRD_PARTY_REFUSED.en]}
    )


def requires_role(*roles: str) -> Callable[[F], F]:
    """Refuse a caller without one of ``roles`` before the view's arguments are read.

    Placed above ``blp.arguments``: who asks is checked before what is asked, so a caller
    without the role learns nothing from a 422."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            require_principal(*roles)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def own_account_only(view: F) -> F:
    """Mark a view that an agent acting under a delegation may not call."""
    view.sieuapp_own_account = True  # type: ignore[attr-defined]
    return view


def _refuse_agent_token(principal: Principal | None) -> None:
    if principal is None or principal.actor_id is None or not has_request_context():
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "sieuapp_own_account", False):
        message = AGENT_REFUSED.get(request_language())
        raise Forbidden(message, {"_request": [AGENT_REFUSED.en]})


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
    client_plugin = None
    first_party = tok.client_id == FIRST_PARTY_CLIENT
    if not first_party:
        client = session.scalar(select(OAuthClient).where(OAuthClient.client_id == tok.client_id))
        if client is None or client.disabled_at is not None or client.tenant_id != tenant.id:
            return None
        first_party = client.kind == FIRST_PARTY_KIND
        client_plugin = None if first_party else client.plugin_id
    agent = session.get(User, tok.actor_id) if tok.actor_id else None
    if tok.actor_id and (agent is None or not agent.active):
        return None
    if agent is not None:
        # An agent acts for the person as a citizen, never with their official or admin roles.
        return Principal(
            user_id=user.id,
            username=user.username,
            full_name=user.full_name,
            tenant_id=tenant.id,
            roles=frozenset({Role.ANONYMOUS.value, Role.CITIZEN.value}),
            token_scope=frozenset(tok.scope.split()),
            actor_id=agent.id,
            actor_username=agent.username,
            client_id=tok.client_id,
            client_plugin=client_plugin,
            first_party=first_party,
        )
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
        client_id=tok.client_id,
        client_plugin=client_plugin,
        first_party=first_party,
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
