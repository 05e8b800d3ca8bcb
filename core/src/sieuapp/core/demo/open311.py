"""The demo's Open311 client app, with a fixed api_key that the README prints.

The key is public on purpose, like the demo passwords: never run a demo instance where a real
partner system posts reports."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.log import record as audit
from ..reports.models import Open311Client
from ..reports.open311.clients import key_digest

CLIENT_NAME = "Ứng dụng mẫu Open311"
#: Listed in README.md (a test checks both say the same).
API_KEY = "o311_demo-hue-2025-ung-dung-mau"
ENDPOINT = "/open311/v2"


def ensure_client(session: Session, tenant_id: int) -> bool:
    """The demo client app; True when made now, False when a previous run made it."""
    digest = key_digest(API_KEY)
    if session.scalar(select(Open311Client.id).where(Open311Client.key_hash == digest)):
        return False
    client = Open311Client(
        tenant_id=tenant_id,
        name=CLIENT_NAME,
        contact_email=None,
        key_hash=digest,
        key_prefix=API_KEY[:12],
    )
    session.add(client)
    session.flush()
    audit(
        session,
        "open311.client_created",
        tenant_id=tenant_id,
        actor_id=None,
        actor_label="demo",
        target=f"open311-client:{client.id}",
        after={"name": CLIENT_NAME, "key_prefix": client.key_prefix},
    )
    return True
