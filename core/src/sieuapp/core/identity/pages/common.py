"""What the page views share: the tenant's user, the form fields, and the texts they show."""

from __future__ import annotations

from flask import request
from sieuapp.sdk import LocalizedText

from ..browser import check_csrf, page_language, safe_next


def say(text: LocalizedText) -> str:
    """``text`` in the page's language."""
    return text.get(page_language())


def field(name: str, limit: int = 1024) -> str:
    """A form field as typed (empty when missing), cut to ``limit`` characters."""
    return (request.form.get(name) or "")[:limit]


def checked_form() -> str:
    """Check the form's CSRF token; returns the form's ``next`` made safe."""
    check_csrf(request.form.get("csrf_token"))
    return safe_next(request.form.get("next"))
