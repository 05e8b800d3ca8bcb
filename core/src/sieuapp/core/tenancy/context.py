"""The request's tenant, resolved from the host name on every request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import abort, g, request
from sieuapp.sdk import TenantInfo
from sqlalchemy import Select, bindparam, select

from ..db import current_session
from .models import Tenant

if TYPE_CHECKING:
    from .._runtime import Runtime


@dataclass(frozen=True)
class TenantContext:
    id: int
    slug: str
    name: str
    province_code: int | None
    modules_version: int

    def info(self) -> TenantInfo:
        return TenantInfo(
            id=self.id, slug=self.slug, name=self.name, province_code=self.province_code
        )


def slug_from_host(host: str, base_domain: str, default: str) -> str:
    """``hue.example.vn`` → ``hue`` when the base domain is ``example.vn``; else the default."""
    name = host.split(":", 1)[0].lower().rstrip(".")
    base = base_domain.lower().strip(".")
    if base and name.endswith("." + base):
        label = name[: -len(base) - 1]
        if label and "." not in label:
            return label
    return default


_TENANTS = Tenant.__table__
_COLUMNS = select(
    _TENANTS.c.id,
    _TENANTS.c.slug,
    _TENANTS.c.name,
    _TENANTS.c.province_code,
    _TENANTS.c.modules_version,
)
# Built once, on the table rather than the mapped class: this runs on every request, and
# building an ORM statement and compiling it through the ORM cost more than the query itself.
_BY_SLUG = _COLUMNS.where(_TENANTS.c.slug == bindparam("slug"))
_BY_ID = _COLUMNS.where(_TENANTS.c.id == bindparam("tenant_id"))


def _load(statement: Select, params: dict[str, object]) -> TenantContext | None:
    row = current_session().execute(statement, params).first()
    return TenantContext(*row) if row else None


def load_tenant(slug: str) -> TenantContext | None:
    return _load(_BY_SLUG, {"slug": slug})


def resolve_request_tenant(runtime: Runtime) -> None:
    """Set ``g.tenant`` from the Host header. The tenant as last read is used while the stamps
    say its modules version is current; otherwise one query reads it."""
    settings = runtime.settings
    slug = slug_from_host(request.host, settings.base_domain, settings.default_tenant)
    tenant = runtime.tenants.get(slug)
    if tenant is None or runtime.stamps.read(tenant.id) != tenant.modules_version:
        # A pooled connection, not an ORM session: most requests need nothing else from the
        # database, and a session is opened only if the view asks for one.
        with runtime.engine.connect() as connection:
            row = connection.execute(_BY_SLUG, {"slug": slug}).first()
        if row is None:
            abort(404, description=f"No province '{slug}' is served here.")
        tenant = TenantContext(*row)
        if len(runtime.tenants) > 1024:
            runtime.tenants.clear()
        runtime.tenants[slug] = tenant
        runtime.stamps.publish(tenant.id, tenant.modules_version)
    g.tenant = tenant


def current_tenant() -> TenantContext:
    tenant = g.get("tenant")
    if tenant is None:
        raise RuntimeError("no tenant resolved for this context")
    return tenant


def load_tenant_by_id(tenant_id: int | None) -> TenantContext | None:
    return None if tenant_id is None else _load(_BY_ID, {"tenant_id": tenant_id})
