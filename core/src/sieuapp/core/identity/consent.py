"""What each user let each plugin read: the consent store, one row per user, tenant and plugin.

Consents are keyed by plugin id; a partner's own client (no plugin) is keyed by its client id
(see ``oidc.clients.consent_key``). A revoked row stays, with ``revoked_at``, so that the next
grant starts from nothing rather than from what was withdrawn."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import has_app_context
from sieuapp.sdk import LocalizedText
from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..audit.log import record as audit
from ..db import utcnow
from .models import Consent, Token, User
from .oidc.models import AuthorizationCode, OAuthClient, RefreshToken

#: The OpenID Connect scopes (Core 5.4, 11; OIDC for Identity Assurance) with what each lets a
#: service read, as the consent page says it.
STANDARD_SCOPES: dict[str, LocalizedText] = {
    "openid": LocalizedText(
        "Biết bạn là ai khi bạn đăng nhập (mã tài khoản, không kèm thông tin khác)",
        "Know who you are when you sign in (your account identifier, nothing else)",
    ),
    "profile": LocalizedText(
        "Xem họ tên, tên đăng nhập và ngôn ngữ của bạn",
        "See your full name, username and language",
    ),
    "email": LocalizedText("Xem địa chỉ email của bạn", "See your email address"),
    "phone": LocalizedText("Xem số điện thoại của bạn", "See your phone number"),
    "offline_access": LocalizedText(
        "Tiếp tục truy cập khi bạn không mở ứng dụng, đến khi bạn thu hồi",
        "Keep access while you are not using the app, until you revoke it",
    ),
    "verified_claims": LocalizedText(
        "Xem thông tin danh tính đã được xác minh (số CCCD, họ tên, ngày sinh)",
        "See your verified identity (citizen ID number, full name, date of birth)",
    ),
}


def _manifest(plugin_id: str | None) -> Any:
    if plugin_id is None or not has_app_context():
        return None
    from .._runtime import runtime_of

    host = runtime_of().host
    return host.manifest(plugin_id) if host is not None else None


def scope_purposes(tenant_id: int, plugin_id: str | None) -> dict[str, LocalizedText]:
    """The standard scopes plus those the plugin's manifest declares, each with its purpose;
    the plugin's own purpose wins for a standard scope it declares, since it says why."""
    # The tenant is part of the contract so that purposes may one day be set per province;
    # today a plugin's manifest says the same in every tenant.
    del tenant_id
    purposes = dict(STANDARD_SCOPES)
    manifest = _manifest(plugin_id)
    if manifest is not None:
        purposes.update({s.name: s.purpose for s in manifest.scopes})
    return purposes


def _row(
    session: Session, user_id: str, tenant_id: int, plugin_id: str, *, lock: bool = False
) -> Consent | None:
    query = select(Consent).where(
        Consent.user_id == user_id,
        Consent.tenant_id == tenant_id,
        Consent.plugin_id == plugin_id,
    )
    if lock:
        # On PostgreSQL: two grants at once must not each drop the other's scopes, and two
        # revocations at once must audit and count only once.
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalar(query)


def granted_scopes(
    session: Session, user_id: str, tenant_id: int, plugin_id: str
) -> frozenset[str]:
    """The scopes the user grants the plugin in the tenant now (empty when revoked or never)."""
    scopes = session.scalar(
        select(Consent.scopes).where(
            Consent.user_id == user_id,
            Consent.tenant_id == tenant_id,
            Consent.plugin_id == plugin_id,
            Consent.revoked_at.is_(None),
        )
    )
    return frozenset((scopes or "").split())


def _who(session: Session, user_id: str, actor_id: str | None) -> dict[str, Any]:
    """Audit fields: the acting user, and the citizen when an agent acts for them."""
    acting = actor_id or user_id
    user = session.get(User, acting)
    fields: dict[str, Any] = {
        "actor_id": acting,
        "actor_label": user.username if user is not None else "platform",
    }
    if actor_id is not None and actor_id != user_id:
        fields["on_behalf_of"] = user_id
    return fields


def _plugin_field(plugin_id: str) -> str | None:
    # Partner client keys contain "-", which no plugin id does; only plugins go in that column.
    return None if "-" in plugin_id else plugin_id


def _new_row(session: Session, user_id: str, tenant_id: int, plugin_id: str) -> Consent:
    """The consent row, inserted unless another transaction just did (two tabs allowing at
    once must merge into one row, not fail on the unique constraint)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(Consent)
        .values(
            user_id=user_id,
            tenant_id=tenant_id,
            plugin_id=plugin_id,
            scopes="",
            granted_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["user_id", "tenant_id", "plugin_id"])
    )
    row = _row(session, user_id, tenant_id, plugin_id, lock=True)
    assert row is not None
    return row


def grant(
    session: Session,
    user_id: str,
    tenant_id: int,
    plugin_id: str,
    scopes: Iterable[str],
    *,
    actor_id: str | None = None,
) -> None:
    """Add ``scopes`` to the user's consent for the plugin; audited as ``consent.granted``."""
    # A space-separated string, as OAuth writes scopes, is taken as its names, not its letters.
    names = scopes.split() if isinstance(scopes, str) else scopes
    asked = [s for s in dict.fromkeys(names) if s]
    if not asked:
        return
    row = _row(session, user_id, tenant_id, plugin_id, lock=True) or _new_row(
        session, user_id, tenant_id, plugin_id
    )
    held = [] if row.revoked_at is not None else row.scopes.split()
    added = [s for s in asked if s not in held]
    if not added:
        return
    row.scopes = " ".join(held + added)
    row.revoked_at = None
    row.granted_at = utcnow()
    audit(
        session,
        "consent.granted",
        tenant_id=tenant_id,
        target=user_id,
        plugin_id=_plugin_field(plugin_id),
        after={"plugin_id": plugin_id, "scopes": sorted(held + added), "added": sorted(added)},
        **_who(session, user_id, actor_id),
    )


def _client_ids(session: Session, tenant_id: int, plugin_id: str) -> list[str]:
    """Every client of the plugin in the tenant (disabled ones too: their tokens may live)."""
    return list(
        session.scalars(
            select(OAuthClient.client_id).where(
                OAuthClient.tenant_id == tenant_id,
                or_(
                    (OAuthClient.kind == "plugin") & (OAuthClient.plugin_id == plugin_id),
                    OAuthClient.client_id == plugin_id,
                ),
            )
        )
    )


def revoke(
    session: Session, user_id: str, tenant_id: int, plugin_id: str, *, actor_id: str | None
) -> bool:
    """Withdraw the consent, and every token the user holds from the plugin's clients in the
    tenant; False (and nothing changed) when there is no live consent."""
    row = _row(session, user_id, tenant_id, plugin_id, lock=True)
    if row is None or row.revoked_at is not None:
        return False
    now = utcnow()
    before = {"plugin_id": plugin_id, "scopes": sorted(row.scopes.split())}
    row.revoked_at = now
    who = _who(session, user_id, actor_id)
    audit(
        session,
        "consent.revoked",
        tenant_id=tenant_id,
        target=user_id,
        plugin_id=_plugin_field(plugin_id),
        before=before,
        **who,
    )
    clients = _client_ids(session, tenant_id, plugin_id)
    counts = {"access_tokens": 0, "refresh_tokens": 0, "codes": 0}
    if clients:
        counts = _revoke_tokens(session, user_id, tenant_id, clients, now)
    audit(
        session,
        "auth.token_revoked",
        tenant_id=tenant_id,
        target=user_id,
        plugin_id=_plugin_field(plugin_id),
        after={"reason": "consent_revoked", "plugin_id": plugin_id, **counts},
        **who,
    )
    return True


def _revoke_live(
    session: Session,
    model: type[Token] | type[RefreshToken],
    user_id: str,
    tenant_id: int,
    clients: list[str],
    now: datetime,
) -> int:
    """Revoke the user's live tokens of one kind for these clients; how many. Access and
    refresh tokens carry the same columns for this, so one statement serves both."""
    return session.execute(
        update(model)
        .where(
            model.user_id == user_id,
            model.tenant_id == tenant_id,
            model.client_id.in_(clients),
            model.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def _revoke_tokens(
    session: Session, user_id: str, tenant_id: int, clients: list[str], now: datetime
) -> dict[str, int]:
    access = _revoke_live(session, Token, user_id, tenant_id, clients, now)
    refresh = _revoke_live(session, RefreshToken, user_id, tenant_id, clients, now)
    # A code handed out just before the revocation must not turn into tokens after it.
    codes = session.execute(
        update(AuthorizationCode)
        .where(
            AuthorizationCode.user_id == user_id,
            AuthorizationCode.tenant_id == tenant_id,
            AuthorizationCode.client_id.in_(clients),
            AuthorizationCode.used_at.is_(None),
            AuthorizationCode.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    return {"access_tokens": access, "refresh_tokens": refresh, "codes": codes}


def _display_name(session: Session, tenant_id: int, plugin_id: str, language: str) -> str:
    manifest = _manifest(plugin_id)
    if manifest is not None:
        return manifest.name.get(language)
    name = session.scalar(
        select(OAuthClient.name).where(
            OAuthClient.tenant_id == tenant_id, OAuthClient.client_id == plugin_id
        )
    )
    return name or plugin_id


def list_consents(
    session: Session, user_id: str, tenant_id: int, language: str
) -> list[dict[str, Any]]:
    """The user's live consents in the tenant, newest first: ``plugin_id``, ``plugin_name``,
    ``scopes`` ([{name, purpose}], purposes in ``language``) and ``granted_at``."""
    rows = session.scalars(
        select(Consent)
        .where(
            Consent.user_id == user_id,
            Consent.tenant_id == tenant_id,
            Consent.revoked_at.is_(None),
        )
        .order_by(Consent.granted_at.desc(), Consent.id.desc())
    )
    listing = []
    for row in rows:
        purposes = scope_purposes(tenant_id, row.plugin_id)
        listing.append(
            {
                "plugin_id": row.plugin_id,
                "plugin_name": _display_name(session, tenant_id, row.plugin_id, language),
                "scopes": [
                    {
                        "name": name,
                        "purpose": purposes[name].get(language) if name in purposes else None,
                    }
                    for name in row.scopes.split()
                ],
                "granted_at": row.granted_at,
            }
        )
    return listing
