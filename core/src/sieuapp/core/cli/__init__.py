"""The ``sieuapp`` command."""

from __future__ import annotations

import click

from .database import db
from .keys import keys
from .open311 import open311
from .platform import demo, serve, worker
from .plugins import plugins
from .reports import reports
from .scaffold import plugin
from .tenants import tenants


@click.group(help="sieuapp: the open platform behind provincial super-apps.")
@click.version_option(package_name="sieuapp-core")
def main() -> None:
    pass


for command in (serve, demo, worker, db, plugins, plugin, tenants, keys, reports, open311):
    main.add_command(command)
