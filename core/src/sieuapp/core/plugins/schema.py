"""The database schema of the core and of the plugins installed in any tenant: which Alembic
branches apply, and whether the database is behind the code. One answer for the CLI, for
``/readyz`` and for installing a plugin."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, select

from ..db import migrate
from .models import ModuleState

if TYPE_CHECKING:
    from .._runtime import Runtime


def installed_plugin_ids(engine: Engine) -> list[str]:
    """Plugins installed in at least one tenant; none before the core tables exist."""
    if not inspect(engine).has_table(ModuleState.__tablename__):
        return []
    with engine.connect() as connection:
        return sorted(connection.scalars(select(ModuleState.plugin_id).distinct()))


def installed_branches(
    runtime: Runtime, also: str | None = None
) -> tuple[dict[str, str], list[str]]:
    """The migration branches of the installed plugins (plus ``also``), and the installed
    plugins that did not load, whose migrations therefore cannot be found."""
    ids = set(installed_plugin_ids(runtime.engine))
    if also is not None:
        ids.add(also)
    missing = sorted(i for i in ids if runtime.host.manifest(i) is None)
    return runtime.host.migrations(sorted(ids)), missing


def schema_behind(runtime: Runtime) -> bool:
    """True when the core's or an installed plugin's tables are behind the code."""
    if not inspect(runtime.engine).has_table(ModuleState.__tablename__):
        return True
    branches, _missing = installed_branches(runtime)
    return migrate.pending(runtime.engine, branches)
