"""Fan-out of a published alert to its area's users, in batches, from background tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._runtime import Runtime


def register_tasks(runtime: Runtime) -> None:
    """Register the fan-out tasks with the runtime's task registry."""
