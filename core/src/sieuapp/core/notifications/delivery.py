"""Planning and running deliveries of inbox messages and alerts on the users' channels."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._runtime import Runtime


def register_tasks(runtime: Runtime) -> None:
    """Register the delivery tasks with the runtime's task registry."""
