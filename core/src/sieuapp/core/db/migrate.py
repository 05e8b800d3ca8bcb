"""Alembic, driven from code: the core branch plus one branch per installed plugin."""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine

CORE_BRANCH = "core"


def resource_dir(spec: str) -> Path:
    """``"package:folder"`` as a filesystem path."""
    package, _, folder = spec.partition(":")
    return Path(str(files(package).joinpath(folder)))


def alembic_config(engine: Engine, plugin_locations: Iterable[str] = ()) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resource_dir("sieuapp.core:migrations")))
    locations = [str(resource_dir("sieuapp.core:migrations/versions"))]
    locations += [str(resource_dir(spec)) for spec in plugin_locations]
    cfg.set_main_option("path_separator", "newline")
    cfg.set_main_option("version_locations", "\n".join(locations))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, branches: dict[str, str] | None = None) -> None:
    """Bring the core, then each plugin branch (``{plugin id: "package:folder"}``), to head."""
    branches = branches or {}
    cfg = alembic_config(engine, branches.values())
    command.upgrade(cfg, f"{CORE_BRANCH}@head")
    for plugin_id in branches:
        command.upgrade(cfg, f"{plugin_id}@head")


def current_heads(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def pending(engine: Engine, branches: dict[str, str] | None = None) -> bool:
    """True when the database is behind the migrations that ship with the code."""
    cfg = alembic_config(engine, (branches or {}).values())
    script = ScriptDirectory.from_config(cfg)
    known = []
    for revision in current_heads(engine):
        try:
            script.get_revision(revision)
        except CommandError:  # a branch whose plugin is not loaded now: not ours to judge
            continue
        known.append(revision)
    # The version table omits a revision that another one ``depends_on`` (a plugin branch's
    # first revision depends on the core's), so compare with everything the heads imply.
    applied = {r.revision for r in script.iterate_revisions(tuple(known), "base")}
    return not set(script.get_heads()).issubset(applied)
