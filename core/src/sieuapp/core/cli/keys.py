"""``sieuapp keys``: the OpenID Provider's id_token signing keys."""

from __future__ import annotations

import click

from ..db import unit_of_work
from ..identity.oidc import keys as signing
from ._context import platform_app, runtime_of


@click.group(help="The OpenID Provider's id_token signing keys (RS256).")
def keys() -> None:
    pass


@keys.command(
    "rotate",
    help="Sign with a new key from now on; the old one stays in the JWKS "
    "until the id_tokens it signed have expired.",
)
def rotate() -> None:
    with (
        platform_app() as app,
        app.app_context(),
        unit_of_work(runtime_of(app).sessionmaker) as session,
    ):
        row = signing.rotate(session)
        kid = row.kid
    click.echo(f"Đã đổi khoá / Rotated: new signing key {kid}.")


@keys.command("list", help="Keys in the JWKS, newest first (never the private halves).")
def list_() -> None:
    with (
        platform_app() as app,
        app.app_context(),
        unit_of_work(runtime_of(app).sessionmaker) as session,
    ):
        rows = signing.published(session)
        for row in rows:
            state = (
                "signing"
                if row.retired_at is None
                else f"retired, published until {row.expires_at:%Y-%m-%d %H:%M} UTC"
            )
            click.echo(
                f"{row.kid}  {row.algorithm}  created {row.created_at:%Y-%m-%d %H:%M} UTC  {state}"
            )
        if not rows:
            click.echo(
                "Chưa có khoá / No key yet: the first is made when the first id_token is signed."
            )
