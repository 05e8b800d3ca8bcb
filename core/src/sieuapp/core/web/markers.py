from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])


def tenantless(view: F) -> F:
    """Mark a view that answers without resolving a tenant (liveness, static assets)."""
    view.sieuapp_tenantless = True  # type: ignore[attr-defined]
    return view
