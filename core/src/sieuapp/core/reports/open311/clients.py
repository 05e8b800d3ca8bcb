"""Open311 client apps and partner systems, and the api_key each holds.

A key is shown once, when the client is made; only its SHA-256 and first characters are kept.
A client tied to an organization may also push updates for the reports routed to it."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sieuapp.sdk.errors import Conflict, InvalidInput
from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import clock
from ...audit.log import record as audit
from ...tenancy.models import Organization
from ..models import Open311Client

#: Lets a leaked key be recognised for what it is by secret scanners and by people.
KEY_PREFIX = "o311_"
SHOWN_CHARACTERS = 12


@dataclass(frozen=True)
class Actor:
    """Who manages a client, for the audit log."""

    user_id: str | None
    label: str


def key_digest(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def client_view(client: Open311Client, organization_code: str | None) -> dict[str, Any]:
    """Everything about a client but its key."""
    return {
        "id": client.id,
        "name": client.name,
        "contact_email": client.contact_email,
        "organization": organization_code,
        "key_prefix": client.key_prefix,
        "created_at": client.created_at.isoformat() if client.created_at else None,
        "revoked_at": client.revoked_at.isoformat() if client.revoked_at else None,
    }


def organization_code(session: Session, client: Open311Client) -> str | None:
    if client.organization_id is None:
        return None
    return session.scalar(
        select(Organization.code).where(Organization.id == client.organization_id)
    )


def _audit(session: Session, action: str, client: Open311Client, actor: Actor, **kw: Any) -> None:
    audit(
        session,
        action,
        tenant_id=client.tenant_id,
        actor_id=actor.user_id,
        actor_label=actor.label,
        target=f"open311-client:{client.id}",
        **kw,
    )


def _organization(session: Session, tenant_id: int, code: str) -> int:
    found = session.scalar(
        select(Organization.id).where(
            Organization.tenant_id == tenant_id,
            Organization.code == code,
            Organization.active.is_(True),
        )
    )
    if found is None:
        raise InvalidInput(
            "Unknown organization.", {"organization": [f"No organization {code!r} here."]}
        )
    return found


def create_client(
    session: Session,
    tenant_id: int,
    *,
    name: str,
    contact_email: str | None = None,
    organization: str | None = None,
    actor: Actor,
    api_key: str | None = None,
) -> tuple[Open311Client, str]:
    """A new client and its api_key (the only time the key is known); audited without it.
    ``api_key`` is for the demo's documented key; otherwise one is drawn."""
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 200:
        errors["name"] = ["1-200 characters."]
    if contact_email is not None:
        contact_email = contact_email.strip() or None
    if contact_email is not None and ("@" not in contact_email or len(contact_email) > 254):
        errors["contact_email"] = ["Not an email address."]
    if errors:
        raise InvalidInput("Some fields are invalid.", errors)
    organization_id = (
        _organization(session, tenant_id, organization) if organization is not None else None
    )
    key = api_key or new_key()
    digest = key_digest(key)
    if session.scalar(select(Open311Client.id).where(Open311Client.key_hash == digest)):
        raise Conflict("This api_key is taken.", {"api_key": ["Already held by a client."]})
    client = Open311Client(
        tenant_id=tenant_id,
        name=name,
        contact_email=contact_email,
        key_hash=digest,
        key_prefix=key[:SHOWN_CHARACTERS],
        organization_id=organization_id,
        created_by=actor.user_id,
        created_at=clock.now(),
    )
    session.add(client)
    session.flush()
    _audit(
        session,
        "open311.client_created",
        client,
        actor,
        after=client_view(client, organization),
    )
    return client, key


def tenant_clients(session: Session, tenant_id: int) -> list[Open311Client]:
    return list(
        session.scalars(
            select(Open311Client)
            .where(Open311Client.tenant_id == tenant_id)
            .order_by(Open311Client.created_at, Open311Client.id)
        )
    )


def tenant_client(session: Session, tenant_id: int, client_id: int) -> Open311Client | None:
    return session.scalar(
        select(Open311Client).where(
            Open311Client.tenant_id == tenant_id, Open311Client.id == client_id
        )
    )


def revoke(session: Session, client: Open311Client, *, actor: Actor) -> None:
    """Refuse the client's key from now on; audited."""
    if client.revoked_at is not None:
        raise Conflict(
            "This client's key is already revoked.", {"id": ["Revoked before; nothing to do."]}
        )
    client.revoked_at = clock.now()
    session.flush()
    _audit(session, "open311.client_revoked", client, actor)


def authenticate(session: Session, tenant_id: int, api_key: str | None) -> Open311Client | None:
    """The live client of this tenant holding ``api_key``, if any."""
    if not api_key:
        return None
    client = session.scalar(
        select(Open311Client).where(Open311Client.key_hash == key_digest(api_key))
    )
    if client is None or client.tenant_id != tenant_id or client.revoked_at is not None:
        return None
    return client
