"""``sieuapp plugin``: write a new partner plugin, and check one before it ships."""

from __future__ import annotations

from pathlib import Path

import click

from ..scaffold import ScaffoldError, new_plugin
from ..scaffold.check import check_plugin
from ._context import CliError


@click.group(help="Write and check plugin distributions.")
def plugin() -> None:
    pass


@plugin.command(
    "new",
    help="Write a new partner plugin distribution NAME (the plugin id) that passes its own "
    "tests. Default folder: plugins/NAME at the workspace root, else ./sieuapp-NAME.",
)
@click.argument("name")
@click.option(
    "--path",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The folder to create the plugin in.",
)
@click.option("--company", default=None, help="The partner company that makes the plugin.")
def new(name: str, path: Path | None, company: str | None) -> None:
    try:
        created = new_plugin(name, path=path, company=company)
    except ScaffoldError as exc:
        raise CliError(exc.message, exc.errors) from exc
    shown = _shown(created.root)
    click.echo(f"Đã tạo / created {created.names.distribution} in {shown}")
    for file in created.files:
        click.echo(f"  {_shown(file)}")
    for dist in created.clashes:
        click.echo(
            f"warning: {dist} already registers plugin id '{name}'; the platform refuses "
            "two plugins with one id",
            err=True,
        )
    click.echo("next:")
    if created.in_workspace:
        click.echo("  uv sync --all-packages")
        click.echo(f"  uv run pytest {shown}")
        click.echo(f"  uv run sieuapp plugin check {shown}")
    else:
        click.echo(f"  cd {shown} && pip install -e '.[test]' && pytest")
        click.echo(f"  sieuapp plugin check {shown}")


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@plugin.command(
    "check",
    help="Load a plugin the way the platform does and name each problem. PATH is a plugin "
    "distribution folder (with pyproject.toml) or an importable module name. Exit code 1 "
    "when there is any problem.",
)
@click.argument("path")
def check(path: str) -> None:
    report = check_plugin(path)
    for problem in report.problems:
        click.echo(f"problem: {problem}")
    click.echo(report.summary())
    if not report.ok:
        raise SystemExit(1)
