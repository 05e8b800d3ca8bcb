"""External OpenID Providers configured by settings (``SIEUAPP_FEDERATION_PROVIDERS``)."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_app_context
from sieuapp.sdk import LocalizedText

from ..._runtime import runtime_of

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
#: Paths of our own under ``/auth/federation/`` that a provider id would shadow.
RESERVED_IDS = frozenset({"link", "register", "unlink"})
#: What the sign-in page asks for when a provider's configuration names no scopes.
DEFAULT_SCOPES = ("openid", "profile")


@dataclass(frozen=True)
class Provider:
    """One external OpenID Provider we accept sign-ins from, as configured."""

    id: str
    name: LocalizedText
    issuer: str
    client_id: str
    #: Never printed: ``repr`` leaves it out, so a logged Provider does not leak it.
    client_secret: str = field(repr=False)
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    #: The highest assurance level (0-2) this provider vouches for (see ``links.vouched_level``).
    assurance_level: int = 0
    #: The provider's ``acr`` values and the level each proves; empty trusts ``assurance_level``.
    acr_levels: Mapping[str, int] = field(default_factory=dict)
    #: Sent as ``acr_values`` in the authorization request, when set.
    acr_values: str = ""


class ProviderConfigError(ValueError):
    """``SIEUAPP_FEDERATION_PROVIDERS`` is not a valid provider list (the value is not quoted)."""


def _text(raw: Any, where: str) -> LocalizedText:
    if isinstance(raw, str) and raw.strip():
        return LocalizedText(raw, raw)
    if isinstance(raw, Mapping):
        name = LocalizedText(str(raw.get("vi") or ""), str(raw.get("en") or raw.get("vi") or ""))
        if name.vi.strip() and name.en.strip():
            return name
    raise ProviderConfigError(f"{where}: must be a string or {{'vi': ..., 'en': ...}}")


def _level(raw: Any, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= 2:
        raise ProviderConfigError(f"{where}: must be 0, 1 or 2")
    return raw


def _issuer(raw: Any, where: str) -> str:
    # OIDC Discovery §3: an https URL without query or fragment. Plain http is accepted only
    # on loopback, where a development or test provider runs.
    if not isinstance(raw, str):
        raise ProviderConfigError(f"{where}: must be a URL")
    parts = urlsplit(raw)
    secure = parts.scheme == "https" or (parts.scheme == "http" and _loopback(parts.hostname))
    if not secure or not parts.hostname or parts.query or parts.fragment:
        raise ProviderConfigError(
            f"{where}: must be an https URL without query or fragment (http only on loopback)"
        )
    return raw


def _loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def _provider(raw: Any, index: int) -> Provider:
    where = f"SIEUAPP_FEDERATION_PROVIDERS[{index}]"
    if not isinstance(raw, Mapping):
        raise ProviderConfigError(f"{where}: must be an object")
    unknown = set(raw) - {
        "id", "name", "issuer", "client_id", "client_secret", "scopes", "assurance_level",
        "acr_levels", "acr_values",
    }  # fmt: skip
    if unknown:
        raise ProviderConfigError(f"{where}: unknown keys {sorted(unknown)}")
    provider_id = raw.get("id")
    if not isinstance(provider_id, str) or not _ID.match(provider_id):
        raise ProviderConfigError(f"{where}.id: lowercase letters, digits, - and _ (max 40)")
    if provider_id in RESERVED_IDS:
        raise ProviderConfigError(f"{where}.id: {provider_id!r} is reserved")
    for key in ("client_id", "client_secret"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise ProviderConfigError(f"{where}.{key}: must be a non-empty string")
    scopes = raw.get("scopes", list(DEFAULT_SCOPES))
    if not isinstance(scopes, list) or not all(isinstance(s, str) and s for s in scopes):
        raise ProviderConfigError(f"{where}.scopes: must be a list of scope names")
    if "openid" not in scopes:
        scopes = ["openid", *scopes]
    acr_levels = raw.get("acr_levels", {})
    if not isinstance(acr_levels, Mapping):
        raise ProviderConfigError(f"{where}.acr_levels: must map acr values to levels")
    acr_values = raw.get("acr_values", "")
    if not isinstance(acr_values, str):
        raise ProviderConfigError(f"{where}.acr_values: must be a string")
    return Provider(
        id=provider_id,
        name=_text(raw.get("name", provider_id), f"{where}.name"),
        issuer=_issuer(raw.get("issuer"), f"{where}.issuer"),
        client_id=raw["client_id"],
        client_secret=raw["client_secret"],
        scopes=tuple(dict.fromkeys(scopes)),
        assurance_level=_level(raw.get("assurance_level", 0), f"{where}.assurance_level"),
        acr_levels={
            str(acr): _level(level, f"{where}.acr_levels[{acr!r}]")
            for acr, level in acr_levels.items()
        },
        acr_values=acr_values,
    )


@lru_cache(maxsize=8)
def parse_providers(value: str) -> tuple[Provider, ...]:
    """The providers a ``SIEUAPP_FEDERATION_PROVIDERS`` value lists; empty for an empty value."""
    if not value.strip():
        return ()
    try:
        raw = json.loads(value)
    except json.JSONDecodeError as exc:
        # The message names the position only: the value holds client secrets.
        raise ProviderConfigError(
            f"SIEUAPP_FEDERATION_PROVIDERS: not JSON (line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(raw, list):
        raise ProviderConfigError("SIEUAPP_FEDERATION_PROVIDERS: must be a JSON list")
    providers = tuple(_provider(item, i) for i, item in enumerate(raw))
    ids = [p.id for p in providers]
    if len(set(ids)) != len(ids):
        raise ProviderConfigError("SIEUAPP_FEDERATION_PROVIDERS: provider ids must be unique")
    return providers


def configured_providers() -> tuple[Provider, ...]:
    """The providers of the current app's settings."""
    if not has_app_context():
        return ()
    return parse_providers(runtime_of(current_app).settings.federation_providers)


def find_provider(provider_id: str) -> Provider | None:
    """The configured provider ``provider_id``; None when there is none."""
    return next((p for p in configured_providers() if p.id == provider_id), None)


def login_providers() -> list[tuple[str, LocalizedText]]:
    """The providers offered on the sign-in page, as ``(id, name)``, in configured order."""
    return [(p.id, p.name) for p in configured_providers()]
