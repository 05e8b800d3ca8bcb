"""Configuration from environment variables; every name is documented in docs/configuration.md."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(value: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in value.split(",") if p.strip())


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
    #: ``inline`` runs background work in-process; ``celery`` sends it to a Celery worker.
    task_backend: str = "inline"
    broker_url: str = "redis://127.0.0.1:6379/0"
    #: Only these plugin ids are loaded when set (comma separated); all discovered otherwise.
    plugins: tuple[str, ...] = ()
    #: A plugin is switched off for a tenant after this many hook failures in a row.
    plugin_failure_limit: int = 5
    #: Lifetime of access tokens issued at login, in seconds.
    access_token_ttl: int = 3600
    debug: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            if f.name == "extra":
                continue
            raw = env.get(f"SIEUAPP_{f.name.upper()}")
            if raw is None:
                continue
            if f.name == "instance_path":
                values[f.name] = Path(raw)
            elif f.name in {"plugin_failure_limit", "access_token_ttl"}:
                values[f.name] = int(raw)
            elif f.name == "debug":
                values[f.name] = _bool(raw)
            elif f.name == "plugins":
                values[f.name] = _list(raw)
            else:
                values[f.name] = raw
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
