"""``sieuapp db``: the schema of the core and of every plugin installed in any tenant."""

from __future__ import annotations

import click
from alembic.util.exc import CommandError
from flask import Flask

from ..db import migrate
from ..plugins.schema import schema_behind
from ._context import CliError, platform_app, plugin_branches, runtime_of


def pending_migrations(app: Flask) -> bool:
    """True when the core or an installed plugin's schema is behind the code."""
    return schema_behind(runtime_of(app))


def upgrade_all(app: Flask) -> list[str]:
    """Bring the core, then every installed plugin, to its head; returns the installed plugins
    whose migrations could not be applied because they did not load."""
    engine = runtime_of(app).engine
    # Alembic must know the branch of every revision the database holds, so all installed
    # plugins' folders are given even when only the core moves.
    branches, missing = plugin_branches(app)
    try:
        migrate.upgrade(engine, branches)
    except CommandError as exc:
        if not missing:
            raise
        raise CliError(
            "Không cập nhật được cơ sở dữ liệu / Cannot migrate: the database holds revisions of "
            "installed plugins that did not load, so Alembic cannot place them.",
            {plugin_id: [_why(app, plugin_id)] for plugin_id in missing} | {"alembic": [str(exc)]},
        ) from exc
    return missing


def _why(app: Flask, plugin_id: str) -> str:
    record = runtime_of(app).host.records.get(plugin_id)
    return "; ".join(record.problems) if record is not None else "not on this platform"


def warn_missing(app: Flask, missing: list[str]) -> None:
    for plugin_id in missing:
        click.echo(
            f"warning: plugin {plugin_id!r} is installed in a tenant but did not load "
            f"({_why(app, plugin_id)}); "
            "its migrations were not applied.",
            err=True,
        )


@click.group(help="Database schema.")
def db() -> None:
    pass


@db.command(help="Apply the migrations of the core and of every plugin installed in any tenant.")
def upgrade() -> None:
    with platform_app(schema=False) as app:
        missing = upgrade_all(app)
        warn_missing(app, missing)
        branches, _ = plugin_branches(app)
    applied = ", ".join(["core", *sorted(branches)])
    click.echo(f"Cơ sở dữ liệu đã cập nhật / Database up to date: {applied}.")
