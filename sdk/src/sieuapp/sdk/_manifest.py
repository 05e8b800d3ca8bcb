from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from marshmallow import Schema
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from ._roles import ALL_ROLES, Role
from ._text import LocalizedText

PLUGIN_ID = re.compile(r"^[a-z][a-z0-9_]{1,30}$")
SCOPE_NAME = re.compile(r"^[a-z][a-z0-9_.:]{1,63}$")
CATEGORY = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")
ICON = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$|^/[\w./-]+\.(svg|png|webp)$")


@dataclass(frozen=True)
class Scope:
    """A piece of user data the plugin asks for, and why (shown on the consent page)."""

    name: str
    purpose: LocalizedText


@dataclass(frozen=True)
class FrontendEntry:
    """Where the app opens the module: a route under the plugin's mount, an icon, a category."""

    route: str = "/"
    icon: str = "app"
    category: str = "other"


@dataclass(frozen=True)
class Manifest:
    """What a plugin declares about itself; returned by its ``manifest`` hook."""

    id: str
    name: LocalizedText
    description: LocalizedText
    #: PEP 440 specifier of the SDK API versions this plugin works with, e.g. ``">=1.0,<2"``.
    sdk_api: str
    scopes: tuple[Scope, ...] = ()
    config_schema: type[Schema] | None = None
    frontend: FrontendEntry | None = field(default_factory=FrontendEntry)
    #: Roles that see the module; ``Role.ANONYMOUS`` makes it public.
    roles: tuple[str, ...] = (Role.CITIZEN,)
    #: Alembic versions folder as ``"package:folder"``, applied when the plugin is installed.
    migrations: str | None = None
    #: Where the platform may send a user back after sign-in to the plugin's OAuth client:
    #: absolute ``https`` URLs (``http`` only on a loopback host), no fragment.
    redirect_uris: tuple[str, ...] = ()
    #: Where the platform may send a user after signing out of the plugin (OIDC RP-Initiated
    #: Logout); the same rules as ``redirect_uris``.
    post_logout_redirect_uris: tuple[str, ...] = ()
    #: Filled by the host from the distribution's metadata; a plugin leaves it empty.
    version: str = ""

    def with_version(self, version: str) -> Manifest:
        return replace(self, version=version)

    def problems(self) -> list[str]:
        """Every way this manifest is invalid, one precise sentence each (empty when valid)."""
        found: list[str] = []
        if not isinstance(self.id, str) or not PLUGIN_ID.match(self.id):
            found.append(
                f"id: {self.id!r} must be 2-31 characters of a-z, 0-9 and _, starting with a letter"
            )
        for attr in ("name", "description"):
            value = getattr(self, attr)
            if not isinstance(value, LocalizedText):
                found.append(f"{attr}: must be LocalizedText(vi=..., en=...), got {value!r}")
            else:
                found.extend(value.problems(attr))
        found.extend(_sdk_api_problems(self.sdk_api))
        found.extend(_scope_problems(self.scopes))
        if self.config_schema is not None and not (
            isinstance(self.config_schema, type) and issubclass(self.config_schema, Schema)
        ):
            found.append(
                f"config_schema: must be a marshmallow Schema class, got {self.config_schema!r}"
            )
        if self.frontend is not None:
            found.extend(_frontend_problems(self.frontend))
        if isinstance(self.roles, str) or not self.roles:
            found.append("roles: must be a non-empty tuple of role names")
        else:
            found.extend(
                f"roles: unknown role {r!r} (known: {', '.join(sorted(ALL_ROLES))})"
                for r in self.roles
                if r not in ALL_ROLES
            )
        if self.migrations is not None and (
            not isinstance(self.migrations, str) or ":" not in self.migrations
        ):
            found.append(f"migrations: must be 'package:folder', got {self.migrations!r}")
        found.extend(redirect_uri_problems("redirect_uris", self.redirect_uris))
        found.extend(
            redirect_uri_problems("post_logout_redirect_uris", self.post_logout_redirect_uris)
        )
        return found


def _sdk_api_problems(value: Any) -> list[str]:
    if not isinstance(value, str) or not value.strip():
        return ["sdk_api: must be a version specifier such as '>=1.0,<2'"]
    try:
        SpecifierSet(value)
    except InvalidSpecifier:
        return [f"sdk_api: {value!r} is not a PEP 440 version specifier"]
    return []


def _scope_problems(scopes: Any) -> list[str]:
    if not isinstance(scopes, tuple | list):
        return ["scopes: must be a tuple of Scope"]
    found: list[str] = []
    seen: set[str] = set()
    for i, scope in enumerate(scopes):
        if not isinstance(scope, Scope):
            found.append(f"scopes[{i}]: must be Scope(name=..., purpose=...), got {scope!r}")
            continue
        if not isinstance(scope.name, str) or not SCOPE_NAME.match(scope.name):
            found.append(f"scopes[{i}].name: {scope.name!r} is not a valid scope name")
        if scope.name in seen:
            found.append(f"scopes[{i}].name: {scope.name!r} is listed twice")
        seen.add(scope.name)
        if not isinstance(scope.purpose, LocalizedText):
            found.append(f"scopes[{i}].purpose: a purpose in vi and en is required")
        else:
            found.extend(scope.purpose.problems(f"scopes[{i}].purpose"))
    return found


def _frontend_problems(entry: Any) -> list[str]:
    if not isinstance(entry, FrontendEntry):
        return [
            f"frontend: must be FrontendEntry(route=..., icon=..., category=...), got {entry!r}"
        ]
    found = []
    if not isinstance(entry.route, str) or not entry.route.startswith("/"):
        found.append(f"frontend.route: {entry.route!r} must start with '/'")
    if not isinstance(entry.icon, str) or not ICON.match(entry.icon):
        found.append(
            f"frontend.icon: {entry.icon!r} must be an icon name or a /path to svg, png, webp"
        )
    if not isinstance(entry.category, str) or not CATEGORY.match(entry.category):
        found.append(f"frontend.category: {entry.category!r} must be a short lowercase name")
    return found


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def redirect_uri_problem(uri: Any) -> str | None:
    """Why ``uri`` cannot be a redirect URI (RFC 6749 3.1.2, OAuth 2.1), or None when it can."""
    if not isinstance(uri, str) or not uri:
        return f"{uri!r} must be a non-empty string"
    if len(uri) > 2000:
        return f"{uri[:40]!r}... is longer than 2000 characters"
    if uri != uri.strip() or any(c.isspace() for c in uri):
        return f"{uri!r} must not contain spaces"
    try:
        parts = urlsplit(uri)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return f"{uri!r} is not a valid URL"
    # The authorization response carries the code in the query; a fragment would be dropped
    # by some user agents and leak to scripts by others, so OAuth forbids it.
    if "#" in uri:
        return f"{uri!r} must not contain a fragment (#...)"
    if parts.scheme not in ("https", "http") or not host:
        return f"{uri!r} must be an absolute https:// URL"
    if parts.username is not None or parts.password is not None:
        return f"{uri!r} must not contain a user name or password"
    if parts.scheme == "http" and not _loopback(host):
        return f"{uri!r} must use https (http only for localhost or a loopback address)"
    return None


def redirect_uri_problems(field_name: str, uris: Any) -> list[str]:
    """Every problem of a list of redirect URIs, each naming ``field_name[i]``."""
    if isinstance(uris, str) or not isinstance(uris, tuple | list):
        return [f"{field_name}: must be a tuple of URLs, got {uris!r}"]
    found: list[str] = []
    seen: set[str] = set()
    for i, uri in enumerate(uris):
        problem = redirect_uri_problem(uri)
        if problem is not None:
            found.append(f"{field_name}[{i}]: {problem}")
            continue
        if uri in seen:
            found.append(f"{field_name}[{i}]: {uri!r} is listed twice")
        seen.add(uri)
    return found
