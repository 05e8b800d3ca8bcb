"""The web shell's OAuth client: one first-party public client per tenant.

The shell at ``/`` signs in through this tenant's OpenID Provider with code + PKCE, as any
client would, but it is the platform itself: its tokens reach the core's APIs, it is never
shown a consent page, and only it may exchange its token for a plugin's (``token_exchange``).
Its redirect URIs are paths, so the same client serves every host name and port."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ...tenancy.models import Tenant
from .clients import (
    AUTHORIZATION_CODE,
    FIRST_PARTY,
    PLATFORM,
    REFRESH_TOKEN,
    TOKEN_EXCHANGE,
    audit_change,
    client_view,
)
from .models import OAuthClient

#: Where the shell's code arrives and where signing out returns to, on the issuer's origin.
SHELL_REDIRECT_PATH = "/app/callback"
SHELL_LOGOUT_PATH = "/"
#: The product's name: the same in Vietnamese and English.
SHELL_NAME = "sieuapp"
SHELL_SCOPE = "openid profile offline_access"
SHELL_GRANT_TYPES = (AUTHORIZATION_CODE, REFRESH_TOKEN, TOKEN_EXCHANGE)
PREFIX = "shell-"


class TenantLike(Protocol):
    """A ``Tenant`` row or the request's ``TenantContext``: both have these."""

    id: int
    slug: str


def shell_client_id_for(slug: str) -> str:
    """``shell-<tenant slug>``: unique across tenants (slugs are) and known without a query."""
    return PREFIX + slug


def ensure_shell_client(session: Session, tenant_id: int) -> OAuthClient:
    """The tenant's shell client, made (and audited) when missing. A client the province
    disabled stays disabled: the shell then cannot sign in, as the province chose."""
    slug = session.scalar(select(Tenant.slug).where(Tenant.id == tenant_id))
    if slug is None:
        raise LookupError(f"no tenant {tenant_id}")
    client_id = shell_client_id_for(slug)
    existing = _find(session, client_id)
    if existing is not None:
        return existing
    # Two first requests at once must both end with the one client, not fail on the unique
    # client_id; only the insert that wrote the row audits it.
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    written = session.execute(
        insert(OAuthClient)
        .values(
            client_id=client_id,
            tenant_id=tenant_id,
            kind=FIRST_PARTY,
            plugin_id=None,
            organization_id=None,
            name=SHELL_NAME,
            secret_hash=None,
            token_endpoint_auth_method="none",
            redirect_uris=[SHELL_REDIRECT_PATH],
            post_logout_redirect_uris=[SHELL_LOGOUT_PATH],
            grant_types=list(SHELL_GRANT_TYPES),
            scope=SHELL_SCOPE,
            created_by=None,
        )
        .on_conflict_do_nothing(index_elements=["client_id"])
        # RETURNING rather than rowcount, which psycopg reports as -1 for this statement.
        .returning(OAuthClient.id)
    ).scalar_one_or_none()
    client = _find(session, client_id)
    assert client is not None
    if written is not None:
        audit_change(session, "oauth.client_created", client, PLATFORM, after=client_view(client))
    return client


def shell_client_id(session: Session, tenant: TenantLike) -> str:
    """The shell's client_id in ``tenant`` (``current_tenant()`` in a request), making the
    client when the tenant predates it."""
    client_id = shell_client_id_for(tenant.slug)
    if _find(session, client_id) is None:
        ensure_shell_client(session, tenant.id)
    return client_id


def _find(session: Session, client_id: str) -> OAuthClient | None:
    return session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
