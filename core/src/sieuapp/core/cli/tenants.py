from __future__ import annotations

import click


@click.group(help="Provinces served by this deployment.")
def tenants() -> None:
    pass
