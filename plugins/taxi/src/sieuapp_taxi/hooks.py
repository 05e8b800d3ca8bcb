"""The hook implementations the host calls. Each declares only the arguments it uses."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sieuapp.sdk import (
    Erasure,
    Health,
    Manifest,
    PaymentInfo,
    ReportCategory,
    Services,
    TenantInfo,
    hookimpl,
)
from sqlalchemy import inspect

from . import billing, dispatch, feedback, personal_data
from .about import MANIFEST
from .access import settings
from .models import Ride
from .views import make_blueprint


@hookimpl
def manifest() -> Manifest:
    return MANIFEST


@hookimpl
def startup(services: Services) -> None:
    services.tasks.register(dispatch.TIMEOUT_TASK, dispatch.on_timeout)


@hookimpl
def routes(services: Services) -> Blueprint:
    return make_blueprint(services)


@hookimpl
def health(services: Services) -> Health:
    # A catalogue lookup, not a query: a missing table must not abort the shared transaction.
    if not inspect(services.db.session.connection()).has_table(Ride.__tablename__):
        return Health(
            ok=False, detail=f"table {Ride.__tablename__} is missing: run 'sieuapp db upgrade'"
        )
    partners = {o.code for o in services.tenancy.organizations("partner")}
    missing = [f for f in settings(services)["firms"] if f not in partners]
    if missing:
        return Health(
            ok=False, detail=f"firms not among the partner organizations: {', '.join(missing)}"
        )
    return Health(ok=True)


@hookimpl
def report_categories(services: Services) -> list[ReportCategory]:
    return feedback.categories(services)


@hookimpl
def payment_succeeded(payment: PaymentInfo, services: Services) -> None:
    billing.paid(services, payment)


@hookimpl
def export_user_data(user_id: str, tenant: TenantInfo, services: Services) -> dict[str, Any]:
    return personal_data.export(services, tenant.id, user_id)


@hookimpl
def erase_user_data(user_id: str, tenant: TenantInfo, services: Services) -> Erasure:
    return personal_data.erase(services, tenant.id, user_id)
