"""The event types an endpoint may subscribe to, registered by the code that publishes them.

A registry in code rather than in the database: the types are part of the platform's contract
with partners (each one a payload schema), and every process registers the same ones when it
imports the publishing module, so no worker needs to see another's."""

from __future__ import annotations

import re
import threading

from sieuapp.sdk import LocalizedText

#: Full-stop delimited identifiers of ``[a-zA-Z0-9_]``, as Standard Webhooks recommends
#: (``payment.succeeded``); at least two parts, so that types group by what they are about.
NAME = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)+$")
NAME_MAX = 80

_types: dict[str, LocalizedText] = {}
_lock = threading.Lock()


def register_event_type(name: str, description: LocalizedText) -> None:
    """Make ``name`` an event type endpoints may subscribe to, described in vi and en.

    Registering the same name again with the same description does nothing (a module imported
    twice); with another description it is a mistake, and raises ``ValueError``."""
    if len(name) > NAME_MAX or not NAME.match(name):
        raise ValueError(
            f"event type {name!r}: use full-stop delimited [a-zA-Z0-9_] identifiers, "
            f"like 'payment.succeeded', at most {NAME_MAX} characters"
        )
    if not isinstance(description, LocalizedText):
        raise TypeError(f"event type {name!r}: describe it with sieuapp.sdk.text(vi, en)")
    with _lock:
        known = _types.get(name)
        if known is not None and known != description:
            raise ValueError(f"event type {name!r} is already registered with another description")
        _types[name] = description


def is_event_type(name: str) -> bool:
    return name in _types


def event_types() -> dict[str, LocalizedText]:
    """Every registered event type with its description, by name."""
    with _lock:
        return dict(sorted(_types.items()))
