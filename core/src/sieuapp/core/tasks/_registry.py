from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TaskFunction = Callable[..., Any]


@dataclass(frozen=True)
class TaskEntry:
    name: str
    function: TaskFunction
    #: The plugin that registered it, or None for core tasks.
    plugin_id: str | None = None


class TaskRegistry:
    """Task names to functions; core names have no dot prefix of a plugin id."""

    def __init__(self) -> None:
        self._entries: dict[str, TaskEntry] = {}

    def register(self, name: str, function: TaskFunction, plugin_id: str | None = None) -> None:
        if not callable(function):
            raise TypeError(f"task {name!r}: {function!r} is not callable")
        existing = self._entries.get(name)
        if existing is not None and existing.function is not function:
            raise ValueError(
                f"task {name!r} is already registered by {existing.plugin_id or 'core'}"
            )
        self._entries[name] = TaskEntry(name, function, plugin_id)

    def get(self, name: str) -> TaskEntry | None:
        return self._entries.get(name)

    def names(self) -> list[str]:
        return sorted(self._entries)
