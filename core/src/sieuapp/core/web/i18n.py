from __future__ import annotations

from flask import request
from sieuapp.sdk import LANGUAGES
from sieuapp.sdk._text import DEFAULT_LANGUAGE


def request_language() -> str:
    """The caller's language from Accept-Language: Vietnamese unless English is preferred."""
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE) or "vi"
