from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Health:
    """A plugin's answer to ``health``: ``ok`` and, when not ok, why."""

    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class Erasure:
    """A plugin's answer to ``erase_user_data``."""

    #: What was erased, in words a citizen understands ("3 ride requests").
    erased: list[str] = field(default_factory=list)
    #: What was kept, mapped to the legal reason for keeping it.
    kept: dict[str, str] = field(default_factory=dict)
