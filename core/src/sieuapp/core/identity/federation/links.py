"""External accounts linked to our users (``FederatedIdentity`` rows), and what a provider's
word does to a user's assurance level."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from sieuapp.sdk import LocalizedText
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...audit.log import record as audit
from ...db import utcnow
from ..assurance.models import IdentityVerification
from ..models import User
from .models import FederatedIdentity
from .providers import Provider, find_provider

UNLINK_URL = "/auth/federation/unlink"
_NATIONAL_ID = re.compile(r"^\d{12}$")


class LinkConflict(Exception):
    """The external account is already linked to another user."""


class LastWayToSignIn(Exception):
    """Unlinking would leave the account with no password and no other provider."""


def find_link(session: Session, issuer: str, subject: str) -> FederatedIdentity | None:
    """The link of the external account ``(issuer, subject)``, if any."""
    return session.scalar(
        select(FederatedIdentity).where(
            FederatedIdentity.issuer == issuer, FederatedIdentity.subject == subject
        )
    )


def _link_count(session: Session, user_id: str) -> int:
    return session.scalar(select(func.count()).where(FederatedIdentity.user_id == user_id)) or 0


def linked_providers(session: Session, user_id: str) -> list[dict]:
    """The user's linked external accounts, for the account page.

    Each item: ``id`` (link id), ``provider``, ``name`` (LocalizedText), ``issuer``,
    ``linked_at``, ``last_login_at``, ``can_unlink`` (False when it is the only way to sign
    in), ``unlink_url`` (POST with ``link_id`` and ``csrf_token``)."""
    user = session.get(User, user_id)
    if user is None:
        return []
    links = session.scalars(
        select(FederatedIdentity)
        .where(FederatedIdentity.user_id == user_id)
        .order_by(FederatedIdentity.linked_at, FederatedIdentity.id)
    ).all()
    can_unlink = user.password_hash is not None or len(links) > 1
    items = []
    for link in links:
        provider = find_provider(link.provider)
        items.append(
            {
                "id": link.id,
                "provider": link.provider,
                # A provider removed from the settings still shows, by its id.
                "name": provider.name if provider else LocalizedText(link.provider, link.provider),
                "issuer": link.issuer,
                "linked_at": link.linked_at,
                "last_login_at": link.last_login_at,
                "can_unlink": can_unlink,
                "unlink_url": UNLINK_URL,
            }
        )
    return items


def link(
    session: Session, user: User, provider: Provider, subject: str, *, tenant_id: int
) -> FederatedIdentity:
    """Link ``(provider.issuer, subject)`` to ``user``, audited as ``federation.linked``;
    raises :class:`LinkConflict` when it belongs to someone else. Linking twice is a no-op."""
    existing = find_link(session, provider.issuer, subject)
    if existing is not None:
        if existing.user_id != user.id:
            raise LinkConflict(provider.id)
        existing.last_login_at = utcnow()
        return existing
    row = FederatedIdentity(
        user_id=user.id,
        provider=provider.id,
        issuer=provider.issuer,
        subject=subject,
        last_login_at=utcnow(),
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        # Linked by a concurrent request in between (the pair is unique): the same refusal.
        session.rollback()
        raise LinkConflict(provider.id) from None
    # The row was just written from the provider, so it names the same provider and issuer.
    _audit_own_link(session, "federation.linked", user, row, tenant_id=tenant_id, side="after")
    return row


def _audit_own_link(
    session: Session,
    action: str,
    user: User,
    row: FederatedIdentity,
    *,
    tenant_id: int,
    side: Literal["before", "after"],
) -> None:
    """Audit a change the user made to one of their own links: the link is on the ``after``
    side when made and on the ``before`` side when removed."""
    link = {"provider": row.provider, "issuer": row.issuer, "link": row.id}
    audit(
        session,
        action,
        tenant_id=tenant_id,
        actor_id=user.id,
        actor_label=user.username,
        target=user.id,
        before=link if side == "before" else None,
        after=link if side == "after" else None,
    )


def unlink(session: Session, user: User, link_id: int, *, tenant_id: int) -> FederatedIdentity:
    """Remove the user's link ``link_id``, audited as ``federation.unlinked``; raises
    ``LookupError`` when the user has no such link, :class:`LastWayToSignIn` when it is the
    account's only way in."""
    row = session.get(FederatedIdentity, link_id)
    if row is None or row.user_id != user.id:
        raise LookupError(link_id)
    if user.password_hash is None and _link_count(session, user.id) <= 1:
        raise LastWayToSignIn(row.provider)
    session.delete(row)
    session.flush()
    _audit_own_link(session, "federation.unlinked", user, row, tenant_id=tenant_id, side="before")
    return row


# -- assurance ----------------------------------------------------------------------------


def vouched_level(provider: Provider, claims: Mapping[str, Any]) -> int:
    """The level the provider vouches for at this sign-in: its configured ``assurance_level``,
    capped by what its ``acr`` proves when ``acr_levels`` is configured (an unlisted or
    missing ``acr`` then proves level 0)."""
    level = provider.assurance_level
    if provider.acr_levels:
        acr = claims.get("acr")
        level = min(level, provider.acr_levels.get(acr, 0) if isinstance(acr, str) else 0)
    return level


def identity_record(verified: Any) -> dict[str, Any] | None:
    """From an OIDC4IDA ``verified_claims`` object, the record behind level 2: the name,
    birth date and 12-digit CCCD number the provider checked, and its trust framework."""
    candidates = verified if isinstance(verified, list) else [verified]
    for item in candidates:
        if not isinstance(item, Mapping):
            continue
        verification = item.get("verification")
        claims = item.get("claims")
        if not isinstance(verification, Mapping) or not isinstance(claims, Mapping):
            continue
        framework = verification.get("trust_framework")
        name = claims.get("name") or " ".join(
            filter(None, (claims.get("family_name"), claims.get("given_name")))
        )
        number = None
        for evidence in verification.get("evidence") or []:
            details = evidence.get("document_details") if isinstance(evidence, Mapping) else None
            if isinstance(details, Mapping):
                number = details.get("document_number") or details.get("personal_number")
                if number:
                    break
        try:
            birthdate = date.fromisoformat(str(claims.get("birthdate")))
        except ValueError:
            continue
        if (
            isinstance(framework, str)
            and framework
            and isinstance(name, str)
            and name
            and isinstance(number, str)
            and _NATIONAL_ID.match(number)
        ):
            return {
                "national_id": number,
                "full_name": name[:200],
                "birthdate": birthdate.isoformat(),
                "trust_framework": framework[:60],
            }
    return None


def raise_assurance(
    session: Session,
    user: User,
    provider: Provider,
    level: int,
    *,
    tenant_id: int,
    phone: str | None = None,
    identity: Mapping[str, Any] | None = None,
) -> int:
    """Raise (never lower) the user's level to what the provider vouched for and can back:
    level 1 as it stands, level 2 only with the identity record (``identity_record``),
    which is stored like a check of our own. Returns the user's level afterwards."""
    before = user.assurance_level or 0
    target = level if level < 2 or identity is not None else min(level, 1)
    if target >= 1 and phone and user.phone_verified_at is None:
        user.phone = phone[:20]
        user.phone_verified_at = utcnow()
    if target >= 2 > before and identity is not None:
        session.add(
            IdentityVerification(
                user_id=user.id,
                national_id=identity["national_id"],
                full_name=identity["full_name"],
                birthdate=date.fromisoformat(identity["birthdate"]),
                provider=f"federation:{provider.id}"[:40],
                trust_framework=identity["trust_framework"],
                reference=provider.issuer[:120],
            )
        )
    if target <= before:
        return before
    user.assurance_level = target
    audit(
        session,
        "assurance.identity_verified" if target >= 2 else "assurance.phone_verified",
        tenant_id=tenant_id,
        actor_id=user.id,
        actor_label=user.username,
        target=user.id,
        before={"level": before},
        after={"level": target, "via": "federation", "provider": provider.id},
    )
    return target
