"""The hook implementations the host calls. Each declares only the arguments it uses."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sieuapp.sdk import Erasure, Health, Manifest, Services, TenantInfo, hookimpl
from sqlalchemy import inspect

from . import favorites
from .about import MANIFEST
from .models import Favorite
from .views import make_blueprint


@hookimpl
def manifest() -> Manifest:
    return MANIFEST


@hookimpl
def routes(services: Services) -> Blueprint:
    return make_blueprint(services)


@hookimpl
def health(services: Services) -> Health:
    # A catalogue lookup, not a query on the table: a missing table must not abort the
    # transaction that /readyz shares with the other plugins' checks (PostgreSQL would).
    connection = services.db.session.connection()
    if not inspect(connection).has_table(Favorite.__tablename__):
        return Health(
            ok=False,
            detail=f"table {Favorite.__tablename__} is missing: run 'sieuapp db upgrade'",
        )
    return Health(ok=True)


@hookimpl
def export_user_data(user_id: str, tenant: TenantInfo, services: Services) -> dict[str, Any]:
    rows = favorites.of_user(services.db.session, tenant.id, user_id)
    return {
        "favorites": [{"number": f.number, "created_at": f.created_at.isoformat()} for f in rows]
    }


@hookimpl
def erase_user_data(user_id: str, tenant: TenantInfo, services: Services) -> Erasure:
    count = favorites.erase(services.db.session, tenant.id, user_id)
    if not count:
        return Erasure()
    # Nothing is kept: favourites are a convenience, no law asks us to retain them.
    return Erasure(erased=[f"{count} số điện thoại yêu thích / {count} favourite numbers"])
