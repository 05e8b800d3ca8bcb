"""What the operational commands share: an app built from the environment, a tenant context
like a request's, and errors printed with the field at fault."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask import Flask, g
from sieuapp.sdk.errors import PlatformError
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from .._runtime import runtime_of
from ..app import create_app
from ..plugins.models import ModuleState
from ..plugins.schema import installed_branches, schema_behind
from ..settings import Settings
from ..tenancy.context import load_tenant


class CliError(click.ClickException):
    """A refusal printed as ``error: message`` plus one line per field at fault; exit code 1."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}

    @classmethod
    def from_platform(cls, exc: PlatformError) -> CliError:
        return cls(exc.message, exc.errors)

    def format_message(self) -> str:
        lines = [self.message]
        for field, messages in self.errors.items():
            lines.extend(f"  {field}: {m}" for m in messages)
        return "\n".join(lines)

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


@contextmanager
def platform_app(settings: Settings | None = None, *, schema: bool = True) -> Iterator[Flask]:
    """The platform as configured by ``SIEUAPP_*``, torn down (threads, connections) at the end;
    with ``schema``, refuses a database whose core tables are behind the code."""
    app = create_app(settings)
    try:
        if schema and _schema_behind(app):
            raise CliError(
                "Cơ sở dữ liệu chưa được cập nhật / The database schema is behind the code: "
                "run 'sieuapp db upgrade' first.",
                {"database": [safe_url(runtime_of(app).settings)]},
            )
        yield app
    except DBAPIError as exc:
        raise CliError(
            f"Không dùng được cơ sở dữ liệu / Cannot use the database: {type(exc.orig).__name__}",
            {"database": [safe_url(runtime_of(app).settings), str(exc.orig).strip()]},
        ) from exc
    finally:
        runtime = runtime_of(app)
        if runtime.task_backend is not None:
            runtime.task_backend.shutdown()
        runtime.engine.dispose()


def plugin_branches(app: Flask) -> tuple[dict[str, str], list[str]]:
    return installed_branches(runtime_of(app))


def _schema_behind(app: Flask) -> bool:
    runtime = runtime_of(app)
    if installed_branches(runtime)[1]:
        # Revisions of a plugin that is not here cannot be placed, so the versions cannot be
        # compared; 'plugins list' must still be able to say what is missing.
        return not inspect(runtime.engine).has_table(ModuleState.__tablename__)
    return schema_behind(runtime)


def safe_url(settings: Settings) -> str:
    """The database URL without its password, to name the database in a message."""
    return make_url(settings.resolved_database_url).render_as_string(hide_password=True)


@contextmanager
def tenant_context(app: Flask, slug: str) -> Iterator[Session]:
    """An app context with ``g.tenant`` set, as inside a request; commits when the block ends
    normally, and a platform error inside becomes a ``CliError`` with nothing written."""
    from ..db import current_session

    with app.app_context():
        tenant = load_tenant(slug)
        if tenant is None:
            raise CliError(
                f"Không có tỉnh '{slug}' / No tenant '{slug}' on this platform "
                "(see 'sieuapp tenants list').",
                {"tenant": [f"Unknown tenant {slug!r}."]},
            )
        g.tenant = tenant
        session = current_session()
        try:
            yield session
        except PlatformError as exc:
            session.rollback()
            raise CliError.from_platform(exc) from exc
        session.commit()
