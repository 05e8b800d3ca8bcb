"""``sieuapp tenants``: the provinces a deployment serves."""

from __future__ import annotations

import re

import click
from sieuapp.sdk.errors import PlatformError
from sqlalchemy import func, select

from ..audit.log import record as audit
from ..db import unit_of_work
from ..plugins.models import ModuleState
from ..tenancy.models import AdministrativeUnit, Tenant
from ..tenancy.provinces import create_tenant
from ._context import CliError, platform_app, runtime_of

#: A tenant's slug is the first label of its host name (``hue.example.vn``).
SLUG = re.compile(r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$")


@click.group(help="Provinces served by this deployment.")
def tenants() -> None:
    pass


@tenants.command("create", help="Add a province (its wards and communes come with it).")
@click.argument("slug")
@click.option(
    "--province",
    "province_code",
    type=int,
    required=True,
    help="Official province code (2025 structure), e.g. 46 for Huế.",
)
def create(slug: str, province_code: int) -> None:
    if not SLUG.match(slug):
        raise CliError(
            f"'{slug}' không dùng được làm tên miền con / cannot be a host name label.",
            {
                "slug": [
                    "2-40 characters: lowercase letters, digits and '-', starting with a letter."
                ]
            },
        )
    with platform_app() as app:
        try:
            with unit_of_work(runtime_of(app).sessionmaker) as session:
                tenant = create_tenant(session, slug, province_code)
                units = session.scalar(
                    select(func.count(AdministrativeUnit.id)).where(
                        AdministrativeUnit.tenant_id == tenant.id
                    )
                )
                audit(
                    session,
                    "tenant.created",
                    tenant_id=tenant.id,
                    actor_label="cli",
                    target=slug,
                    after={"slug": slug, "province_code": province_code, "units": units},
                )
                name = tenant.name
        except PlatformError as exc:
            raise CliError.from_platform(exc) from exc
    click.echo(f"Đã tạo / Created tenant '{slug}': {name} ({units} wards and communes).")


@tenants.command("list", help="Every tenant with its province and modules.")
def list_() -> None:
    with platform_app() as app, unit_of_work(runtime_of(app).sessionmaker) as session:
        units = (
            select(func.count(AdministrativeUnit.id))
            .where(AdministrativeUnit.tenant_id == Tenant.id)
            .scalar_subquery()
        )
        enabled = (
            select(func.count(ModuleState.id))
            .where(ModuleState.tenant_id == Tenant.id, ModuleState.enabled.is_(True))
            .scalar_subquery()
        )
        rows = session.execute(
            select(Tenant.slug, Tenant.province_code, Tenant.name, units, enabled).order_by(
                Tenant.slug
            )
        ).all()
    if not rows:
        click.echo("Chưa có tỉnh nào / No tenants yet: 'sieuapp tenants create SLUG --province N'.")
        return
    click.echo(f"{'slug':<16} {'code':>4}  {'units':>5}  {'enabled':>7}  name")
    for slug, code, name, unit_count, enabled_count in rows:
        click.echo(f"{slug:<16} {code or '':>4}  {unit_count:>5}  {enabled_count:>7}  {name}")
