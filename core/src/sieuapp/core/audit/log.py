from __future__ import annotations

from typing import Any

from flask import has_request_context, request
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
    """Add an audit entry to ``session``: it commits, or is lost, with the change it describes."""
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
