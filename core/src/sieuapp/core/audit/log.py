from __future__ import annotations

from typing import Any

from flask import g, has_app_context, has_request_context, request
from sqlalchemy.orm import Session

from .models import AuditEntry


def record(
    session: Session,
    action: str,
    *,
    tenant_id: int | None,
    actor_id: str | None = None,
    actor_label: str = "platform",
    target: str | None = None,
    before: Any = None,
    after: Any = None,
    plugin_id: str | None = None,
    on_behalf_of: str | None = None,
) -> AuditEntry:
    """Add an audit entry to ``session``: it commits, or is lost, with the change it describes.

    During a request made by an authorized agent for a citizen (a delegation token), an entry
    whose actor is that citizen is written as the agent acting on behalf of the citizen: done
    here, once, so that no call site has to know about delegation."""
    principal = g.get("principal") if has_app_context() else None
    agent = getattr(principal, "actor_id", None)
    if agent is not None and on_behalf_of is None and actor_id == principal.user_id:
        actor_id, on_behalf_of = agent, principal.user_id
        actor_label = principal.actor_username or actor_label
    entry = AuditEntry(
        tenant_id=tenant_id,
        actor_id=actor_id,
        actor_label=actor_label,
        on_behalf_of=on_behalf_of,
        plugin_id=plugin_id,
        action=action,
        target=target,
        before=before,
        after=after,
        ip=request.remote_addr if has_request_context() else None,
    )
    session.add(entry)
    return entry
