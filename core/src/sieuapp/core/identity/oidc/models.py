from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ...db import Base, JSONType, UTCDateTime, utcnow


class OAuthClient(Base):
    """A relying party: a plugin's client in one tenant, or a partner's back-end."""

    __tablename__ = "oauth_clients"
    __table_args__ = (Index("ix_oauth_clients_tenant_plugin", "tenant_id", "plugin_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    #: ``plugin`` (made when a plugin is installed), ``partner`` (a registered back-end) or
    #: ``first_party`` (the app itself).
    kind: Mapped[str] = mapped_column(String(20))
    plugin_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: The partner company that registered it; only its members may manage it.
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), nullable=True
    )
    name: Mapped[str] = mapped_column(String(200))
    #: SHA-256 of the secret, which is shown once; null for public clients.
    secret_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: ``client_secret_basic``, ``client_secret_post`` or ``none``.
    token_endpoint_auth_method: Mapped[str] = mapped_column(String(40))
    redirect_uris: Mapped[Any] = mapped_column(JSONType, default=list)
    post_logout_redirect_uris: Mapped[Any] = mapped_column(JSONType, default=list)
    grant_types: Mapped[Any] = mapped_column(JSONType, default=list)
    #: Space-separated scopes the client may ask for.
    scope: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    secret_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AuthorizationCode(Base):
    """A code of the authorization code grant; only its SHA-256 is stored. Single use."""

    __tablename__ = "oauth_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The agent acting for ``user_id`` under a delegation, if any.
    actor_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text, default="")
    nonce: Mapped[str | None] = mapped_column(String(255), nullable=True)
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(10))
    #: The OIDC ``claims`` request parameter, kept for the id_token and userinfo.
    claims_request: Mapped[Any] = mapped_column(JSONType, nullable=True)
    auth_time: Mapped[datetime] = mapped_column(UTCDateTime)
    acr: Mapped[str | None] = mapped_column(String(60), nullable=True)
    amr: Mapped[Any] = mapped_column(JSONType, nullable=True)
    sid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: The refresh-token family the exchange starts; a replayed code revokes it (RFC 6749 4.1.2).
    family_id: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RefreshToken(Base):
    """A refresh token; rotated on use. Presenting a rotated one revokes its whole family."""

    __tablename__ = "oauth_refresh_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[str] = mapped_column(String(32), index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    scope: Mapped[str] = mapped_column(Text, default="")
    claims_request: Mapped[Any] = mapped_column(JSONType, nullable=True)
    auth_time: Mapped[datetime] = mapped_column(UTCDateTime)
    acr: Mapped[str | None] = mapped_column(String(60), nullable=True)
    amr: Mapped[Any] = mapped_column(JSONType, nullable=True)
    sid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Set when it was exchanged for a new one; it must never be accepted again.
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SigningKey(Base):
    """An RS256 key pair for id_tokens. Published in the JWKS from creation until it expires,
    so that tokens signed before a rotation still verify."""

    __tablename__ = "oidc_signing_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    algorithm: Mapped[str] = mapped_column(String(10), default="RS256")
    #: PEM (PKCS#8); a secret, never returned by any endpoint.
    private_key: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[Any] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: No longer used to sign from this time on (a newer key took over).
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Dropped from the JWKS from this time on.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
