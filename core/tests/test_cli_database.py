"""``sieuapp db upgrade`` for the core and every installed plugin, and ``sieuapp serve``
refusing a database that is behind the code or out of reach."""

from __future__ import annotations

import os
import signal
import subprocess
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from click.testing import Result
from sieuapp.core.db import make_engine, migrate
from sieuapp.core.plugins.synthetic import plugin_source, write_distribution
from sqlalchemy import Engine, inspect

from .support import child_env, empty_database_url, invoke, sieuapp_command

MIGRATING = textwrap.dedent(
    """
    from sieuapp.sdk import Manifest, hookimpl, text

    @hookimpl
    def manifest():
        return Manifest(
            id="{plugin_id}",
            name=text("Sổ {plugin_id}", "Book {plugin_id}"),
            description=text("Ghi chép", "Records"),
            sdk_api=">=1.0,<2",
            migrations="sieuapp_synthetic_{plugin_id}:migrations",
        )
    """
)

REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = {down!r}
branch_labels = {labels!r}
depends_on = {depends!r}


def upgrade():
    op.create_table(
        "{table}",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
    )


def downgrade():
    op.drop_table("{table}")
"""

TALLY_BRANCH = {"tally": "sieuapp_synthetic_tally:migrations"}


def write_migrating(site: Path, plugin_id: str) -> Path:
    """A plugin distribution shipping its own Alembic branch, whose first revision creates
    ``<id>_entries``; returns its versions folder."""
    package = site / f"sieuapp_synthetic_{plugin_id}"
    versions = package / "migrations"
    versions.mkdir(parents=True)
    (package / "__init__.py").write_text(MIGRATING.format(plugin_id=plugin_id))
    info = site / f"sieuapp_synthetic_{plugin_id}-1.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: sieuapp_synthetic_{plugin_id}\nVersion: 1.0.0\n"
    )
    (info / "entry_points.txt").write_text(
        f"[sieuapp.plugins]\n{plugin_id} = sieuapp_synthetic_{plugin_id}\n"
    )
    add_revision(versions, plugin_id, 1, f"{plugin_id}_entries")
    return versions


def add_revision(versions: Path, plugin_id: str, number: int, table: str) -> None:
    first = number == 1
    revision = f"{plugin_id}_{number:04d}"
    (versions / f"{revision}.py").write_text(
        REVISION.format(
            revision=revision,
            down=None if first else f"{plugin_id}_{number - 1:04d}",
            labels=(plugin_id,) if first else None,
            depends=("0001",) if first else None,
            table=table,
        )
    )


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return empty_database_url(tmp_path / "db.sqlite3")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    write_distribution(site, "plain", plugin_source("plain"))
    monkeypatch.syspath_prepend(str(site))
    return site


@pytest.fixture
def env(tmp_path: Path, database_url: str, site: Path) -> dict[str, str]:
    return {
        "SIEUAPP_DATABASE_URL": database_url,
        "SIEUAPP_INSTANCE_PATH": str(tmp_path / "instance"),
        "SIEUAPP_PLUGINS": "tally,books,plain",
        "SIEUAPP_SECRET_KEY": "db-test",
        "SIEUAPP_DEFAULT_TENANT": "hue",
    }


@pytest.fixture
def cli(env: dict[str, str]) -> Callable[..., Result]:
    def run(*args: str, code: int = 0, **overrides: str) -> Result:
        return invoke(args, {**env, **overrides}, code)

    return run


def serve_process(
    env: dict[str, str], site: Path, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    """``sieuapp serve`` as its own process; one that starts serving instead of refusing is
    killed (with its workers) when the bound runs out, and fails the test."""
    process = subprocess.Popen(
        sieuapp_command("serve", "--port", "1"),
        env=child_env(site, **env),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        pytest.fail(f"serve did not refuse:\n{out}\n{err}")
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_db_upgrade_creates_the_core_schema_and_is_idempotent(
    cli: Callable[..., Result], engine: Engine
) -> None:
    assert "tenants" not in tables(engine)
    first = cli("db", "upgrade")
    assert "Database up to date: core." in first.output
    assert {"tenants", "module_states", "users", "audit_log", "outbox"} <= tables(engine)
    shipped = set(ScriptDirectory.from_config(migrate.alembic_config(engine)).get_heads())
    assert migrate.current_heads(engine) == shipped
    again = cli("db", "upgrade")
    assert again.output == first.output
    assert migrate.current_heads(engine) == shipped


@pytest.mark.slow
def test_serve_refuses_a_database_without_the_schema(
    env: dict[str, str], site: Path, tmp_path: Path, engine: Engine
) -> None:
    refused = serve_process(env, site, tmp_path)
    assert refused.returncode == 1, refused.stderr
    assert "Migrations are pending: run 'sieuapp db upgrade' first." in refused.stderr
    assert env["SIEUAPP_DATABASE_URL"].split("@")[-1] in refused.stderr
    assert "Listening at" not in refused.stderr
    assert "tenants" not in tables(engine)


@pytest.mark.slow
def test_db_upgrade_applies_the_new_migrations_of_installed_plugins(
    cli: Callable[..., Result],
    engine: Engine,
    env: dict[str, str],
    site: Path,
    tmp_path: Path,
) -> None:
    versions = write_migrating(site, "tally")
    cli("db", "upgrade")
    cli("tenants", "create", "hue", "--province", "46")
    assert "tally_entries" not in tables(engine), "only installed plugins are migrated"

    cli("plugins", "install", "tally", "--tenant", "hue")
    assert "tally_entries" in tables(engine)
    assert not migrate.pending(engine, TALLY_BRANCH)

    # A new version of the plugin ships a second revision: the server must not start on it.
    add_revision(versions, "tally", 2, "tally_totals")
    assert migrate.pending(engine, TALLY_BRANCH)
    refused = serve_process(env, site, tmp_path)
    assert refused.returncode == 1, refused.stderr
    assert "Migrations are pending" in refused.stderr

    upgraded = cli("db", "upgrade")
    assert "Database up to date: core, tally." in upgraded.output
    assert "tally_totals" in tables(engine)
    assert not migrate.pending(engine, TALLY_BRANCH)


def test_installing_a_plugin_keeps_the_other_installed_plugins_migrations_placeable(
    cli: Callable[..., Result], engine: Engine, site: Path
) -> None:
    for plugin_id in ("tally", "books"):
        write_migrating(site, plugin_id)
    cli("db", "upgrade")
    cli("tenants", "create", "hue", "--province", "46")
    cli("tenants", "create", "danang", "--province", "48")
    cli("plugins", "install", "tally", "--tenant", "hue")
    cli("plugins", "install", "books", "--tenant", "danang")
    assert {"tally_entries", "books_entries"} <= tables(engine)
    assert "Database up to date: core, books, tally." in cli("db", "upgrade").output


def test_db_upgrade_names_an_installed_plugin_that_no_longer_loads(
    cli: Callable[..., Result], engine: Engine, site: Path
) -> None:
    write_migrating(site, "tally")
    cli("db", "upgrade")
    cli("tenants", "create", "hue", "--province", "46")
    cli("plugins", "install", "tally")
    cli("plugins", "install", "plain")

    # plain has no migrations: its absence is worth a warning, not a refusal.
    warned = cli("db", "upgrade", SIEUAPP_PLUGINS="tally")
    assert (
        "warning: plugin 'plain' is installed in a tenant but did not load "
        "(not on this platform); its migrations were not applied." in warned.stderr
    )

    # tally's revisions are in the database; without its folder Alembic cannot go on.
    before = migrate.current_heads(engine)
    refused = cli("db", "upgrade", SIEUAPP_PLUGINS="plain", code=1)
    assert "Cannot migrate" in refused.stderr
    assert "  tally: not on this platform" in refused.stderr
    assert migrate.current_heads(engine) == before


def test_commands_name_an_unreachable_database_without_its_password(
    cli: Callable[..., Result],
) -> None:
    url = "postgresql+psycopg://sieuapp:hunter2@127.0.0.1:1/nothing"
    for args in (["db", "upgrade"], ["tenants", "list"], ["plugins", "list"]):
        result = cli(*args, code=1, SIEUAPP_DATABASE_URL=url)
        assert "Cannot use the database: OperationalError" in result.stderr, args
        assert "postgresql+psycopg://sieuapp:***@127.0.0.1:1/nothing" in result.stderr
        assert "hunter2" not in result.output
