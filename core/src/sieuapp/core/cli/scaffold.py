from __future__ import annotations

import click


@click.group(help="Write and check plugin distributions.")
def plugin() -> None:
    pass
