from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar


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


@dataclass(frozen=True)
class IdentityCheck:
    """A verification provider's answer to ``verify_identity``."""

    MATCHED: ClassVar[str] = "matched"
    NOT_MATCHED: ClassVar[str] = "not_matched"
    UNKNOWN: ClassVar[str] = "unknown"

    #: ``matched``: a record has this number, name and date of birth; ``not_matched``: no
    #: record does; ``unknown``: the provider cannot tell now (say why in ``reason``).
    outcome: str
    #: The provider's reference for this check, kept with the verification for audits.
    reference: str | None = None
    #: Why the provider could not tell, for ``unknown``; logged, never shown with personal data.
    reason: str = ""

    def __post_init__(self) -> None:
        if self.outcome not in (self.MATCHED, self.NOT_MATCHED, self.UNKNOWN):
            raise ValueError(
                f"IdentityCheck outcome must be 'matched', 'not_matched' or 'unknown', "
                f"not {self.outcome!r}"
            )

    @classmethod
    def matched(cls, reference: str | None = None) -> IdentityCheck:
        return cls(cls.MATCHED, reference)

    @classmethod
    def not_matched(cls, reference: str | None = None) -> IdentityCheck:
        return cls(cls.NOT_MATCHED, reference)

    @classmethod
    def unknown(cls, reason: str, reference: str | None = None) -> IdentityCheck:
        return cls(cls.UNKNOWN, reference, reason)
