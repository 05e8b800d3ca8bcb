"""``sieuapp open311``: the apps and partner systems that hold an Open311 api_key."""

from __future__ import annotations

import click
from flask import g

from ..reports.open311 import clients as open311_clients
from ._context import CliError, platform_app, tenant_context

CLI = open311_clients.Actor(None, "cli")


@click.group(help="Open311 GeoReport v2 (/open311/v2).")
def open311() -> None:
    pass


@open311.group(help="Client apps and partner systems holding an api_key.")
def clients() -> None:
    pass


_TENANT = click.option("--tenant", "slug", default="hue", show_default=True, help="Tenant slug.")


@clients.command("create", help="Register a client; its api_key is printed this once.")
@_TENANT
@click.option("--name", required=True, help="The app or system, as people know it.")
@click.option("--email", "contact_email", default=None, help="Who to contact about it.")
@click.option(
    "--organization",
    default=None,
    help="Organization code: the client may then post updates for reports routed to it.",
)
def create(slug: str, name: str, contact_email: str | None, organization: str | None) -> None:
    with platform_app() as app, tenant_context(app, slug) as session:
        client, api_key = open311_clients.create_client(
            session,
            g.tenant.id,
            name=name,
            contact_email=contact_email,
            organization=organization,
            actor=CLI,
        )
        client_id = client.id
    click.echo(f"Đã tạo / Created Open311 client {client_id} ({name}).")
    click.echo(f"api_key: {api_key}")
    click.echo("Lưu lại ngay: khoá không được hiển thị lại / Keep it now: it is never shown again.")


@clients.command("list", help="The tenant's clients (never their keys).")
@_TENANT
def list_(slug: str) -> None:
    with platform_app() as app, tenant_context(app, slug) as session:
        rows = [
            open311_clients.client_view(c, open311_clients.organization_code(session, c))
            for c in open311_clients.tenant_clients(session, g.tenant.id)
        ]
    for row in rows:
        state = f"revoked {row['revoked_at'][:16]}" if row["revoked_at"] else "active"
        org = f"  org {row['organization']}" if row["organization"] else ""
        click.echo(f"{row['id']}  {row['key_prefix']}…  {row['name']}{org}  {state}")
    if not rows:
        click.echo("Chưa có / None yet: 'sieuapp open311 clients create --name …'.")


@clients.command("revoke", help="Refuse a client's api_key from now on.")
@_TENANT
@click.argument("client_id", type=int)
def revoke(slug: str, client_id: int) -> None:
    with platform_app() as app, tenant_context(app, slug) as session:
        client = open311_clients.tenant_client(session, g.tenant.id, client_id)
        if client is None:
            raise CliError(
                f"Không có / No Open311 client {client_id} in '{slug}'.",
                {"client_id": ["See 'sieuapp open311 clients list'."]},
            )
        open311_clients.revoke(session, client, actor=CLI)
    click.echo(f"Đã thu hồi / Revoked the api_key of client {client_id}.")
