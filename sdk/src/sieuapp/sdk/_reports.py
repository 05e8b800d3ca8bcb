"""What a plugin contributes to and learns from the platform's report pipeline."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from ._text import LocalizedText

CATEGORY_CODE = re.compile(r"^[a-z][a-z0-9_.-]{1,63}$")
ATTRIBUTE_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_DATATYPES = ("singlevaluelist", "multivaluelist")
#: The longest name, group and keyword list the platform stores (longer is refused, not cut).
MAX_NAME = 200
MAX_GROUP = 100
MAX_KEYWORDS = 300
MAX_CHOICE_KEY = 100


def _text_problems(value: Any, where: str, limit: int | None = None) -> list[str]:
    if not isinstance(value, LocalizedText):
        return [f"{where}: must be LocalizedText(vi=..., en=...), got {value!r}"]
    found = value.problems(where)
    if limit is not None:
        found.extend(
            f"{where}.{lang}: longer than {limit} characters"
            for lang in ("vi", "en")
            if isinstance(getattr(value, lang), str) and len(getattr(value, lang)) > limit
        )
    return found


@dataclass(frozen=True)
class ReportChoice:
    """One value of a list attribute."""

    key: str
    name: LocalizedText


@dataclass(frozen=True)
class ReportQuestion:
    """A question a category asks the reporter (an Open311 service definition attribute)."""

    #: The Open311 attribute ``code``: letters, digits and ``_``, starting with a letter.
    code: str
    #: One of ``DATATYPES``; the list datatypes need ``choices``.
    datatype: str
    #: The question put to the reporter.
    description: LocalizedText
    required: bool = False
    #: False for a note shown to the reporter that takes no answer.
    variable: bool = True
    choices: tuple[ReportChoice, ...] = ()

    def problems(self, where: str = "question") -> list[str]:
        """Every way this question is invalid, each naming the field under ``where``."""
        found: list[str] = []
        if not isinstance(self.code, str) or not ATTRIBUTE_CODE.match(self.code):
            found.append(
                f"{where}.code: {self.code!r} must be 1-64 letters, digits and _, "
                "starting with a letter"
            )
        if self.datatype not in DATATYPES:
            found.append(
                f"{where}.datatype: {self.datatype!r} is not one of {', '.join(DATATYPES)}"
            )
        found.extend(_text_problems(self.description, f"{where}.description"))
        for attr in ("required", "variable"):
            if not isinstance(getattr(self, attr), bool):
                found.append(f"{where}.{attr}: must be True or False")
        found.extend(self._choice_problems(where))
        return found

    def _choice_problems(self, where: str) -> list[str]:
        if isinstance(self.choices, str) or not isinstance(self.choices, tuple | list):
            return [f"{where}.choices: must be a tuple of ReportChoice"]
        listed = self.datatype in LIST_DATATYPES
        if listed and not self.choices:
            return [f"{where}.choices: a {self.datatype} needs at least one choice"]
        if not listed and self.choices:
            return [f"{where}.choices: only singlevaluelist and multivaluelist take choices"]
        found: list[str] = []
        seen: set[str] = set()
        for i, choice in enumerate(self.choices):
            at = f"{where}.choices[{i}]"
            if not isinstance(choice, ReportChoice):
                found.append(f"{at}: must be ReportChoice(key=..., name=...), got {choice!r}")
                continue
            key = choice.key
            if not isinstance(key, str) or not key.strip() or len(key) > MAX_CHOICE_KEY:
                found.append(
                    f"{at}.key: {key!r} must be a non-empty string of at most "
                    f"{MAX_CHOICE_KEY} characters"
                )
            elif key in seen:
                found.append(f"{at}.key: {key!r} is listed twice")
            else:
                seen.add(key)
            found.extend(_text_problems(choice.name, f"{at}.name"))
        return found


@dataclass(frozen=True)
class ReportCategory:
    """A kind of report a plugin's partner handles, and which organization handles it."""

    #: The Open311 ``service_code``, unique in the tenant: the host adds no prefix, so name it
    #: after the plugin (``taxi.complaint``). A code the core catalog or another plugin already
    #: uses is refused.
    code: str
    name: LocalizedText
    description: LocalizedText
    #: Code of the tenant organization that handles these reports (``mai-linh-hue``); None
    #: leaves routing to the IOC.
    organization: str | None = None
    #: The Open311 ``group``.
    group: LocalizedText | None = None
    keywords: tuple[str, ...] = ()
    #: Handling time in working days from assignment.
    deadline_days: int = 5
    #: Open reports of this category within this many metres are offered as duplicates.
    duplicate_radius_m: int = 100
    questions: tuple[ReportQuestion, ...] = ()

    def problems(self, where: str = "category") -> list[str]:
        """Every way this category is invalid, each naming the field under ``where``."""
        found: list[str] = []
        if not isinstance(self.code, str) or not CATEGORY_CODE.match(self.code):
            found.append(
                f"{where}.code: {self.code!r} must be 2-64 of a-z, 0-9, '.', '_', '-', "
                "starting with a letter"
            )
        found.extend(_text_problems(self.name, f"{where}.name", MAX_NAME))
        found.extend(_text_problems(self.description, f"{where}.description"))
        if self.organization is not None and (
            not isinstance(self.organization, str) or not self.organization.strip()
        ):
            found.append(
                f"{where}.organization: {self.organization!r} must be an organization code or None"
            )
        if self.group is not None:
            found.extend(_text_problems(self.group, f"{where}.group", MAX_GROUP))
        found.extend(self._keyword_problems(where))
        found.extend(_range_problems(self.deadline_days, f"{where}.deadline_days", 1, 90))
        found.extend(
            _range_problems(self.duplicate_radius_m, f"{where}.duplicate_radius_m", 0, 5000)
        )
        if isinstance(self.questions, str) or not isinstance(self.questions, tuple | list):
            found.append(f"{where}.questions: must be a tuple of ReportQuestion")
            return found
        seen: set[str] = set()
        for i, question in enumerate(self.questions):
            at = f"{where}.questions[{i}]"
            if not isinstance(question, ReportQuestion):
                found.append(f"{at}: must be ReportQuestion(...), got {question!r}")
                continue
            found.extend(question.problems(at))
            if question.code in seen:
                found.append(f"{at}.code: {question.code!r} is asked twice")
            if isinstance(question.code, str):
                seen.add(question.code)
        return found

    def _keyword_problems(self, where: str) -> list[str]:
        if isinstance(self.keywords, str) or not isinstance(self.keywords, tuple | list):
            return [f"{where}.keywords: must be a tuple of words"]
        if not all(isinstance(k, str) and k.strip() for k in self.keywords):
            return [f"{where}.keywords: each keyword must be a non-empty string"]
        if len(" ".join(self.keywords)) > MAX_KEYWORDS:
            return [f"{where}.keywords: longer than {MAX_KEYWORDS} characters together"]
        return []


def _range_problems(value: Any, where: str, low: int, high: int) -> list[str]:
    # bool is an int to Python, but True days is a mistake.
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return [f"{where}: {value!r} must be a whole number from {low} to {high}"]
    return []


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
