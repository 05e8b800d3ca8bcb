"""Which delivery channels serve a tenant: the first enabled plugin that offers each name."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import g
from sieuapp.sdk import Channel

from .._runtime import runtime_of
from ..plugins._acting import acting_for
from ..plugins._containment import Failure
from ..tenancy.context import current_tenant, load_tenant_by_id

HOOK = "notification_channels"


@dataclass(frozen=True)
class ChannelEntry:
    """One channel and the plugin that delivers it."""

    plugin_id: str
    channel: Channel


@contextmanager
def _tenant(tenant_id: int | None) -> Iterator[None]:
    # Tasks and periodic jobs run with no tenant; the plugins' hooks read ``g.tenant``.
    current = g.get("tenant")
    if tenant_id is None or (current is not None and current.id == tenant_id):
        yield
        return
    tenant = load_tenant_by_id(tenant_id)
    if tenant is None:
        raise LookupError(f"tenant {tenant_id} does not exist")
    with acting_for(tenant):
        yield


def available(tenant_id: int | None = None) -> dict[str, ChannelEntry]:
    """Channel name → the plugin serving it, for ``tenant_id`` (default: the current tenant).

    Not cached: each call asks the enabled plugins afresh, so enabling, disabling or
    reconfiguring one takes effect at once; the module states are read once per context."""
    with _tenant(tenant_id):
        runtime = runtime_of()
        tenant = current_tenant()
        found: dict[str, ChannelEntry] = {}
        answers = runtime.host.call_enabled(HOOK, tenant.id, tenant=tenant.info())
        for plugin_id, answer in answers:
            if answer is None:
                continue
            if not isinstance(answer, list | tuple):
                _bad(runtime, tenant.id, plugin_id, f"returned {answer!r}, not a list of Channel")
                continue
            for value in answer:
                if not isinstance(value, Channel):
                    _bad(runtime, tenant.id, plugin_id, f"returned {value!r}, not a Channel")
                    continue
                problems = value.problems()
                if problems:
                    _bad(runtime, tenant.id, plugin_id, f"{value!r}: {'; '.join(problems)}")
                    continue
                found.setdefault(value.name, ChannelEntry(plugin_id, value))
        return found


def _bad(runtime: object, tenant_id: int, plugin_id: str, error: str) -> None:
    runtime.host._note(Failure(tenant_id, plugin_id, HOOK, error[:500]))  # type: ignore[attr-defined]
