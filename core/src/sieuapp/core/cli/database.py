from __future__ import annotations

import click


@click.group(help="Database schema.")
def db() -> None:
    pass
