from __future__ import annotations

import click


@click.group(help="Plugins installed on this platform, per tenant.")
def plugins() -> None:
    pass
