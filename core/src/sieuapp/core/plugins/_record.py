from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from flask import Blueprint
from sieuapp.sdk import Manifest


@dataclass
class PluginRecord:
    """What the host knows of one discovered plugin."""

    id: str
    distribution: str
    version: str
    #: ``loaded`` or ``failed``.
    status: str = "loaded"
    #: Each reason the plugin could not be loaded, naming the hook and definition at fault.
    problems: list[str] = field(default_factory=list)
    manifest: Manifest | None = None
    module: ModuleType | Any = None
    blueprint: Blueprint | None = None

    @property
    def loaded(self) -> bool:
        return self.status == "loaded"

    def fail(self, problem: str) -> None:
        self.status = "failed"
        self.problems.append(problem)
