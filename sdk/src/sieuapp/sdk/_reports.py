"""What a plugin contributes to and learns from the platform's report pipeline."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from ._text import LocalizedText

CATEGORY_CODE = re.compile(r"^[a-z][a-z0-9_.-]{1,63}$")
ATTRIBUTE_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")


@dataclass(frozen=True)
class ReportChoice:
    """One value of a list attribute."""

    key: str
    name: LocalizedText


@dataclass(frozen=True)
class ReportQuestion:
    """A question a category asks the reporter (an Open311 service definition attribute)."""

    code: str
    datatype: str
    description: LocalizedText
    required: bool = False
    #: False for a note shown to the reporter that takes no answer.
    variable: bool = True
    choices: tuple[ReportChoice, ...] = ()

    def problems(self, where: str) -> list[str]:
        found: list[str] = []
        if not ATTRIBUTE_CODE.match(self.code or ""):
            found.append(f"{where}.code: {self.code!r} must be letters, digits and _")
        if self.datatype not in DATATYPES:
            found.append(
                f"{where}.datatype: {self.datatype!r} is not one of {', '.join(DATATYPES)}"
            )
        if self.datatype.endswith("valuelist") and not self.choices:
            found.append(f"{where}.choices: a {self.datatype} needs at least one choice")
        found.extend(self.description.problems(f"{where}.description"))
        return found


@dataclass(frozen=True)
class ReportCategory:
    """A kind of report a plugin's partner handles, and which organization handles it."""

    #: The Open311 ``service_code``; prefixed by the host with nothing, so choose it unique
    #: (``taxi.complaint``).
    code: str
    name: LocalizedText
    description: LocalizedText
    #: Code of the tenant organization that handles these reports (``mai-linh-hue``); None
    #: leaves routing to the IOC.
    organization: str | None = None
    group: LocalizedText | None = None
    keywords: tuple[str, ...] = ()
    #: Handling time in working days from assignment.
    deadline_days: int = 5
    #: Open reports of this category within this many metres are offered as duplicates.
    duplicate_radius_m: int = 100
    questions: tuple[ReportQuestion, ...] = ()

    def problems(self, where: str = "category") -> list[str]:
        found: list[str] = []
        if not CATEGORY_CODE.match(self.code or ""):
            found.append(f"{where}.code: {self.code!r} must be 2-64 of a-z, 0-9, '.', '_', '-'")
        found.extend(self.name.problems(f"{where}.name"))
        found.extend(self.description.problems(f"{where}.description"))
        if not 1 <= self.deadline_days <= 90:
            found.append(f"{where}.deadline_days: {self.deadline_days} must be 1 to 90")
        if not 0 <= self.duplicate_radius_m <= 5000:
            found.append(f"{where}.duplicate_radius_m: {self.duplicate_radius_m} must be 0 to 5000")
        codes = [q.code for q in self.questions]
        if len(codes) != len(set(codes)):
            found.append(f"{where}.questions: codes must be unique")
        for i, question in enumerate(self.questions):
            found.extend(question.problems(f"{where}.questions[{i}]"))
        return found


@dataclass(frozen=True)
class ReportInfo:
    """A report as a plugin handling it sees it: no reporter identity, only what the public
    and the handler need."""

    STATUSES: ClassVar[tuple[str, ...]] = (
        "submitted",
        "moderated",
        "assigned",
        "in_progress",
        "info_requested",
        "resolved",
        "rejected",
        "closed",
        "merged",
        "dismissed",
    )

    id: int
    category: str
    status: str
    description: str
    #: Code of the organization handling it now, or None while the IOC routes it.
    organization: str | None
    submitted_at: datetime
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    unit_code: str | None = None
    deadline_at: datetime | None = None
    answer: str | None = None
    attributes: dict[str, object] = field(default_factory=dict)
