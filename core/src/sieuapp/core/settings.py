"""Configuration from environment variables; every name is documented in docs/configuration.md."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(value: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in value.split(",") if p.strip())


_PARSERS: dict[Any, Callable[[str], object]] = {
    Path: Path,
    int: int,
    bool: _bool,
    tuple[str, ...]: _list,
}


@dataclass(frozen=True)
class Settings:
    #: Where instance data lives (SQLite database, uploaded files, signing keys).
    instance_path: Path = Path("instance")
    #: SQLAlchemy URL; empty means SQLite in the instance folder.
    database_url: str = ""
    #: Signs sessions and derives keys; generated per process when empty (development only).
    secret_key: str = ""
    #: Host names are ``<tenant>.<base domain>``; other hosts get the default tenant.
    base_domain: str = ""
    default_tenant: str = "hue"
    #: Scheme of the links in notifications (``https://<tenant>.<base domain>/...``); ``http``
    #: only for development.
    public_scheme: str = "https"
    #: ``inline`` runs background work in-process; ``celery`` sends it to a Celery worker.
    task_backend: str = "inline"
    broker_url: str = "redis://127.0.0.1:6379/0"
    #: Users one step of an alert's fan-out plans (one background task each); 0 for the
    #: built-in 500.
    alert_batch_size: int = 0
    #: How workers learn that a tenant's modules changed without a query per request:
    #: ``auto`` (a file beside a SQLite database; none otherwise), ``file`` (in the instance
    #: folder, for one host), ``none`` (read the database on every request).
    module_stamps: str = "auto"
    #: Only these plugin ids are loaded when set (comma separated); all discovered otherwise.
    plugins: tuple[str, ...] = ()
    #: A plugin is switched off for a tenant after this many hook failures in a row.
    plugin_failure_limit: int = 5
    #: Lifetime of access tokens issued at login, in seconds.
    access_token_ttl: int = 3600
    #: Brute-force protection of password sign-in (Keycloak's names in brackets): failed
    #: attempts on one username before it is locked [failure factor] ...
    login_failure_factor: int = 5
    #: ... and from one client address (an IPv6 /64), higher because many people share one
    #: address behind a mobile carrier's NAT.
    login_ip_failure_factor: int = 50
    #: Seconds of lockout per failure from the factor on [wait increment] ...
    login_wait_increment: int = 60
    #: ... never longer than this [max wait] ...
    login_max_wait: int = 900
    #: ... and the count starts again after this many seconds without a failure [failure reset].
    login_failure_reset: int = 43200
    #: Roles that must sign in with a second factor (TOTP); empty for none.
    mfa_roles: tuple[str, ...] = ("official", "ioc_operator", "province_admin")
    #: Seconds a browser sign-in (the account pages, the OpenID Provider's login) lasts.
    browser_login_ttl: int = 43200
    #: Accounts one client address may register (an IPv6 /64) per ``registration_window``...
    registration_ip_limit: int = 10
    #: ... seconds.
    registration_window: int = 3600
    #: External OpenID Providers citizens may sign in with (VNeID...): a JSON list, see
    #: docs/federation.md; it holds client secrets, so it is never logged or shown.
    federation_providers: str = field(default="", repr=False)
    #: Seconds a request to an external provider (discovery, JWKS, token) may take.
    federation_http_timeout: int = 10
    #: Seconds a provider's discovery document and keys are kept before being fetched again.
    federation_metadata_ttl: int = 3600
    #: OpenID Provider: seconds an authorization code stays redeemable (single use; RFC 6749
    #: recommends at most 600).
    oidc_code_ttl: int = 60
    #: Seconds an id_token is valid (its ``exp``); also how long a retired signing key stays in
    #: the JWKS.
    oidc_id_token_ttl: int = 600
    #: Seconds a refresh token is valid; each use rotates it and starts the period again.
    oidc_refresh_token_ttl: int = 2592000
    #: Days an id_token signing key signs before a new one takes over (checked when signing).
    oidc_key_rotation_days: int = 90
    #: Seconds an access token an agent obtains for a citizen under a delegation lasts (never
    #: past the delegation's own expiry).
    delegation_token_ttl: int = 900
    #: Seconds after a browser sign-in during which the account page may erase the account
    #: without the password being typed again.
    erasure_fresh_login: int = 300
    #: Development only: write SMS messages (one-time codes included) to the log when no
    #: plugin sends them. Off by default, so that production never logs a code.
    sms_development_log: bool = False
    #: Seconds a phone verification code stays valid.
    phone_code_ttl: int = 300
    #: Wrong codes one phone verification code survives.
    phone_code_attempts: int = 5
    #: Seconds before another code may be sent to the same user or the same number.
    phone_code_resend_after: int = 60
    #: Codes one user, or one number, may be sent per 24 hours.
    phone_code_daily_limit: int = 10
    #: A CSV or JSON file of national ID records (``national_id``, ``full_name``,
    #: ``birthdate``) that identity verification checks when no plugin answers; empty: none.
    identity_registry_file: str = ""
    #: Failed identity verifications one user may make per 24 hours.
    identity_attempts: int = 5
    #: Development and tests only: webhook endpoints may be on loopback hosts (over plain http
    #: there) and on private or link-local addresses. Off, only public https URLs are called.
    webhook_allow_local: bool = False
    #: Seconds one webhook request may wait to connect, and then for each read, before the
    #: attempt counts as failed (Standard Webhooks recommends 15 to 30).
    webhook_timeout: int = 15
    #: Seconds the secret before a rotation keeps signing beside the new one.
    webhook_secret_grace: int = 86400
    debug: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from ``SIEUAPP_<FIELD>`` variables; ``overrides`` win over the environment."""
        env = os.environ if environ is None else environ
        hints = get_type_hints(cls)
        values: dict[str, object] = {}
        for f in fields(cls):
            name = f"SIEUAPP_{f.name.upper()}"
            raw = env.get(name)
            if raw is None:
                continue
            parse = _PARSERS.get(hints[f.name], str)
            try:
                values[f.name] = parse(raw)
            except ValueError as exc:
                raise ValueError(f"{name}={raw!r}: {exc}") from exc
        values.update(overrides)
        settings = cls(**values)  # type: ignore[arg-type]
        if not settings.secret_key:
            object.__setattr__(settings, "secret_key", secrets.token_urlsafe(32))
        return settings

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.instance_path / 'sieuapp.sqlite3').resolve()}"
