from __future__ import annotations

import click


@click.command(help="Serve the platform.")
def serve() -> None:
    raise click.ClickException("not built yet")


@click.command(help="Create a demo instance (Huế) and serve it.")
def demo() -> None:
    raise click.ClickException("not built yet")


@click.command(help="Run a Celery worker for background work.")
def worker() -> None:
    raise click.ClickException("not built yet")
