from __future__ import annotations

from dataclasses import dataclass

LANGUAGES: tuple[str, ...] = ("vi", "en")
DEFAULT_LANGUAGE = "vi"


@dataclass(frozen=True)
class LocalizedText:
    """User-facing text: Vietnamese first, English beside it."""

    vi: str
    en: str

    def get(self, language: str) -> str:
        """The text in ``language``, Vietnamese when that language is not offered."""
        return self.en if language == "en" else self.vi

    def to_dict(self) -> dict[str, str]:
        return {"vi": self.vi, "en": self.en}

    def problems(self, where: str) -> list[str]:
        return [
            f"{where}.{lang}: must be a non-empty string"
            for lang in LANGUAGES
            if not isinstance(getattr(self, lang), str) or not getattr(self, lang).strip()
        ]


def text(vi: str, en: str) -> LocalizedText:
    """Shorthand for :class:`LocalizedText`."""
    return LocalizedText(vi=vi, en=en)
