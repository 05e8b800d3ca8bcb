"""The demo instance: Huế on SQLite in a data folder, with its real wards, communes and
agencies, the demo accounts, and every plugin that loads switched on. Idempotent: a second
run finds what the first made and adds only what is missing (a plugin installed since)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, g
from sieuapp.sdk import Role
from sieuapp.sdk.errors import PlatformError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .._runtime import runtime_of
from ..db import current_session, unit_of_work
from ..identity import accounts
from ..identity.models import User
from ..plugins import modules
from ..settings import Settings
from ..tenancy.context import load_tenant
from ..tenancy.models import Organization, Tenant
from ..tenancy.provinces import create_tenant
from ..tenancy.seed import seed_organizations
from .accounts import DEMO_ACCOUNTS
from .alerts import seed_alert
from .assurance import assurance_settings
from .kept import kept_secret
from .open311 import ensure_client
from .payments import (
    TMN_CODE,
    VIETQR,
    VIETQR_ACCOUNT,
    VNPAY,
    seed_payments,
    simulator_available,
    vietqr_config,
    vnpay_config,
)
from .reports import seed_reports
from .taxi import FIRMS, TAXI, ensure_firm, set_up_fleet
from .usage import seed_usage

TENANT = "hue"
#: Thành phố Huế in the 2025 structure.
PROVINCE_CODE = 46
ACTOR = modules.Actor(None, "demo")


@dataclass
class DemoReport:
    created: bool = False
    accounts_created: list[str] = field(default_factory=list)
    enabled: list[str] = field(default_factory=list)
    #: Plugins installed but left off: ``(id, why)``.
    refused: list[tuple[str, str]] = field(default_factory=list)
    open311_client_created: bool = False
    #: Demo reports made by this run (none when an earlier run made them).
    reports_created: int = 0
    #: Whether this run sent the demo flood warning (none while an earlier one is in effect).
    alert_sent: bool = False
    #: Plugins that did not load: ``(id, problems)``.
    failed: list[tuple[str, list[str]]] = field(default_factory=list)
    #: Payment providers this run pointed at the demo's gateways (VNPay's simulator, VietQR).
    payment_providers: list[str] = field(default_factory=list)
    #: Demo payments made by this run (none when an earlier run made them).
    payments_created: int = 0
    #: Whether this run gave the taxi module its firms, fares, cars and drivers.
    taxi_set_up: bool = False
    #: Module uses (person, module, day) this run added to the usage statistics.
    usage_recorded: int = 0


def demo_settings(data_dir: Path) -> Settings:
    """SQLite in ``data_dir`` and the inline task backend whatever the environment says; the
    rest (plugins allowed, base domain, ...) from ``SIEUAPP_*`` as usual."""
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    return Settings.from_env(
        instance_path=data_dir,
        database_url="",
        default_tenant=TENANT,
        task_backend="inline",
        secret_key=kept_secret(data_dir, "secret_key"),
        # The demo passwords are public: a second factor on them would protect nothing and
        # break the sign-in line the banner prints. SIEUAPP_MFA_ROLES turns it back on.
        **({} if "SIEUAPP_MFA_ROLES" in os.environ else {"mfa_roles": ()}),
        # SMS codes in the log and a registry of fictional people, so eKYC can be tried.
        **assurance_settings(os.environ),
    )


def seed(app: Flask, host: str = "127.0.0.1", port: int = 8000) -> DemoReport:
    """Tenant, organizations, accounts and modules; the schema must be up to date. ``host``
    and ``port`` are where the demo is served: VNPay's simulator notifies it there."""
    runtime = runtime_of(app)
    report = DemoReport()
    with unit_of_work(runtime.sessionmaker) as session:
        tenant = session.scalar(select(Tenant).where(Tenant.slug == TENANT))
        if tenant is None:
            tenant = create_tenant(session, TENANT, PROVINCE_CODE)
            report.created = True
        seed_organizations(session, tenant)
        ensure_firm(session, tenant.id)
        for account in DEMO_ACCOUNTS:
            user = session.scalar(select(User).where(User.username == account.username))
            if user is None:
                user = accounts.create_user(
                    session, account.username, account.password, account.full_name
                )
                report.accounts_created.append(account.username)
            if account.role == Role.CITIZEN:
                continue
            org_id = session.scalar(
                select(Organization.id).where(
                    Organization.tenant_id == tenant.id, Organization.code == account.organization
                )
            )
            accounts.assign_role(session, user, tenant.id, account.role.value, org_id)
        report.open311_client_created = ensure_client(session, tenant.id)

    for record in sorted(runtime.host.records.values(), key=lambda r: r.id):
        if not record.loaded:
            report.failed.append((record.id, list(record.problems)))
            continue
        _switch_on(app, record.id, report)
    with _tenant_context(app) as session:
        report.reports_created = seed_reports(session, g.tenant.id)
    with _tenant_context(app) as session:
        report.alert_sent = seed_alert(session, g.tenant.id)
    _point_payment_providers(app, host, port, report)
    report.taxi_set_up = _set_up_taxi(app, report)
    with _tenant_context(app) as session:
        report.payments_created = seed_payments(session, g.tenant.id)
    with _tenant_context(app) as session:
        report.usage_recorded = seed_usage(session, g.tenant.id, report.enabled)
    return report


def _point_payment_providers(app: Flask, host: str, port: int, report: DemoReport) -> None:
    """Configure VNPay (for the simulator) and VietQR (a fictional account) when they are on
    and either unconfigured or configured by an earlier demo run (its port may have changed);
    a configuration the operator gave them is left alone."""
    runtime = runtime_of(app)
    data_dir = runtime.settings.instance_path
    wanted = {
        VNPAY: vnpay_config(data_dir, host, port) if simulator_available() else None,
        VIETQR: vietqr_config(data_dir),
    }
    for plugin_id, config in wanted.items():
        if config is None or plugin_id not in report.enabled:
            continue
        with _tenant_context(app) as session:
            state = modules.state_of(session, g.tenant.id, plugin_id)
            current = dict(state.config or {}) if state is not None else {}
            ours = current.get("tmn_code") in (None, TMN_CODE) and current.get(
                "account_number"
            ) in (None, VIETQR_ACCOUNT)
            if not ours:
                continue
            try:
                modules.configure(runtime, session, plugin_id, {**current, **config}, ACTOR)
            except PlatformError as exc:
                report.refused.append((plugin_id, f"demo configuration refused: {exc.message}"))
                continue
        report.payment_providers.append(plugin_id)


def _set_up_taxi(app: Flask, report: DemoReport) -> bool:
    """Firms for the taxi module when it is on and has none (an operator's configuration, or
    an earlier run's, is left alone), then their fleet through the plugin's API."""
    if TAXI not in report.enabled:
        return False
    runtime = runtime_of(app)
    with _tenant_context(app) as session:
        state = modules.state_of(session, g.tenant.id, TAXI)
        current = dict(state.config or {}) if state is not None else {}
        if current.get("firms"):
            return False
        try:
            modules.configure(runtime, session, TAXI, {**current, "firms": FIRMS}, ACTOR)
        except PlatformError as exc:
            report.refused.append((TAXI, f"demo configuration refused: {exc.message}"))
            return False
        tenant_id = g.tenant.id
    try:
        set_up_fleet(app, tenant_id)
    except PlatformError as exc:
        # The rest of the demo stands without taxis; the banner says why.
        report.refused.append((TAXI, exc.message))
        return False
    return True


def _switch_on(app: Flask, plugin_id: str, report: DemoReport) -> None:
    """Install and enable a plugin new to the demo tenant; one left as the operator set it
    (perhaps disabled on purpose) is not touched."""
    runtime = runtime_of(app)
    try:
        with _tenant_context(app) as session:
            state = modules.state_of(session, g.tenant.id, plugin_id)
            if state is not None:
                if state.enabled:
                    report.enabled.append(plugin_id)
                return
            modules.install(runtime, session, plugin_id, ACTOR)
        # A fresh context, as a second request would be: the module states are read anew.
        with _tenant_context(app) as session:
            modules.enable(runtime, session, plugin_id, ACTOR)
    except PlatformError as exc:
        detail = "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.errors.items())
        report.refused.append((plugin_id, f"{exc.message} {detail}".strip()))
        return
    report.enabled.append(plugin_id)


@contextmanager
def _tenant_context(app: Flask) -> Iterator[Session]:
    with app.app_context():
        g.tenant = load_tenant(TENANT)
        session = current_session()
        yield session
        session.commit()
