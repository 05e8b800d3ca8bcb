"""Clients for the checks every /me endpoint shares: an agent acting for the citizen, and a
citizen of another province."""

from __future__ import annotations

from typing import Any

from sieuapp.core.db import unit_of_work
from sieuapp.core.identity import accounts
from sieuapp.core.identity.models import User
from sieuapp.core.tenancy.models import AdministrativeUnit, Tenant
from sieuapp.core.tenancy.provinces import create_tenant
from sieuapp.sdk import Role
from sqlalchemy import func, select


def agent_client(platform: Any) -> Any:
    """A client holding a delegation token: a post office clerk acting for the citizen."""
    with unit_of_work(platform.runtime.sessionmaker) as session:
        accounts.create_user(session, "buudien", None, "Bưu điện Huế")
    granted = platform.client(Role.CITIZEN).post(
        "/api/v1/me/delegations", json={"agent": "buudien", "purpose": "Giúp nhận thông báo"}
    )
    assert granted.status_code in (200, 201), granted.json
    with unit_of_work(platform.runtime.sessionmaker) as session:
        agent = session.scalar(select(User).where(User.username == "buudien"))
        tid = session.scalar(select(Tenant.id).where(Tenant.slug == "hue"))
        secret, _ = accounts.issue_token(session, agent, tid, 600)
    helper = platform.client()
    helper.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    taken = helper.post(f"/api/v1/me/delegations/{granted.json['id']}/token", json={})
    assert taken.status_code == 200, taken.json
    acting = platform.client()
    acting.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {taken.json['access_token']}"
    return acting


def other_tenant_client(platform: Any, role: str | None = None) -> Any:
    """A signed-in user of Đà Nẵng, holding ``role`` there when given."""
    with platform.context() as session:
        tenant = create_tenant(session, "dn", 48)
        session.flush()
        user = accounts.create_user(session, "dn_user", None, "Người Đà Nẵng")
        if role is not None:
            accounts.assign_role(session, user, tenant.id, role, None)
        secret, _ = accounts.issue_token(session, user, tenant.id, 3600)
    client = platform.client(tenant="dn")
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def units(platform: Any, count: int, slug: str = "hue") -> list[str]:
    """The first ``count`` ward and commune codes of a tenant."""
    with platform.context(slug) as session:
        tid = session.scalar(select(Tenant.id).where(Tenant.slug == slug))
        return list(
            session.scalars(
                select(AdministrativeUnit.code)
                .where(AdministrativeUnit.tenant_id == tid)
                .order_by(AdministrativeUnit.code)
                .limit(count)
            )
        )


def count(platform: Any, model: Any) -> int:
    with platform.context() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def add_square(platform: Any, unit_code: str, lat: float, lon: float, side: float) -> None:
    """Give a unit a square boundary with its south-west corner at (lat, lon)."""
    from sieuapp.core.reports.geo import bounding_box
    from sieuapp.core.reports.models import UnitBoundary

    ring = [[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]]
    geometry = {"type": "Polygon", "coordinates": [ring]}
    with platform.context() as session:
        min_lat, min_lon, max_lat, max_lon = bounding_box(geometry)
        session.add(
            UnitBoundary(
                tenant_id=session.scalar(select(Tenant.id).where(Tenant.slug == "hue")),
                unit_code=unit_code,
                geometry=geometry,
                min_lat=min_lat,
                min_lon=min_lon,
                max_lat=max_lat,
                max_lon=max_lon,
            )
        )
