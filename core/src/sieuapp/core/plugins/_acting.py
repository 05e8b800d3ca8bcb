"""Calling a plugin for a tenant other than (or without) the request's: what plugin services
read from ``g`` is set for the call and restored after it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from flask import g, has_request_context
from sqlalchemy.orm import Session

from ..tenancy.context import TenantContext
from ._states import StateSnapshot

#: ``Runtime.tenant_states`` caches the context's module states under this key.
STATES_KEY = "_sieuapp_states"


@contextmanager
def acting_for(
    tenant: TenantContext, states: Mapping[str, StateSnapshot] | None = None
) -> Iterator[None]:
    """Act as if the request were for ``tenant`` (plugin services read ``g.tenant``), with the
    module ``states`` given (else read afresh for it)."""
    saved_tenant = g.get("tenant")
    saved_states = g.pop(STATES_KEY, None)
    # Outside a request (the CLI, a task) nobody is signed in; the services must not look for
    # a caller's token in a request that does not exist.
    no_caller = not has_request_context() and "principal" not in g
    if no_caller:
        g.principal = None
    g.tenant = tenant
    if states is not None:
        setattr(g, STATES_KEY, dict(states))
    try:
        yield
    finally:
        if no_caller:
            g.pop("principal", None)
        g.pop(STATES_KEY, None)
        if saved_tenant is not None:
            g.tenant = saved_tenant
        else:
            g.pop("tenant", None)
        if saved_states is not None:
            setattr(g, STATES_KEY, saved_states)


def savepoint_safe(session: Session) -> bool:
    """Whether a SAVEPOINT may be opened now: pysqlite opens its transaction lazily, at the
    first write, so a SAVEPOINT issued before it would become the outermost transaction and its
    RELEASE would commit the caller's work."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return True
    return bool(getattr(connection.connection.dbapi_connection, "in_transaction", False))
