"""``sieuapp reports``: the report pipeline's operational commands."""

from __future__ import annotations

import click
from sqlalchemy import select

from ..db import unit_of_work
from ..tenancy.models import Tenant
from ._context import platform_app, runtime_of


@click.group(help="Citizen reports: deadline sweep, core categories.")
def reports() -> None:
    pass


@reports.command("sweep", help="Remind, escalate and close reports whose time has come, now.")
def sweep_command() -> None:
    with platform_app() as app:
        counts = runtime_of(app).run_periodic("reports.sweep")
    assert isinstance(counts, dict)
    click.echo(
        f"Đã nhắc / Reminded {counts['reminded']}, "
        f"chuyển cấp trên / escalated {counts['escalated']}, "
        f"tự đóng / auto-closed {counts['auto_closed']}."
    )


@reports.command(
    "seed-categories",
    help="Add the core report categories a tenant lacks (every tenant); edits are kept.",
)
def seed_categories() -> None:
    from ..reports.catalog import ensure_core_categories

    with platform_app() as app, unit_of_work(runtime_of(app).sessionmaker) as session:
        tenants = session.execute(select(Tenant.id, Tenant.slug).order_by(Tenant.slug)).all()
        added = {slug: ensure_core_categories(session, tenant_id) for tenant_id, slug in tenants}
    if not added:
        click.echo("Chưa có tỉnh nào / No tenants yet.")
    for slug, count in added.items():
        click.echo(f"{slug}: thêm / added {count}")
