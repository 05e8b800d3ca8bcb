"""The hooks a plugin may implement. Argument names are the contract: an implementation
declares only the arguments it uses, so hooks and arguments can be added without breaking
existing plugins."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from datetime import date

    from flask import Blueprint

    from ._manifest import Manifest
    from ._notify import Channel, DeliveryOutcome, OutgoingMessage
    from ._payments import (
        Checkout,
        PaymentInfo,
        PaymentProvider,
        ProviderTransaction,
        RefundResult,
    )
    from ._reports import ReportCategory, ReportInfo
    from ._results import Erasure, Health, IdentityCheck
    from ._services import Services, TenantInfo

PROJECT = "sieuapp"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def manifest() -> Manifest:
    """Describe the plugin: id, names, scopes, config schema, frontend entry and roles."""


@hookspec
def routes(services: Services) -> Blueprint:
    """Return the Flask blueprint the host mounts under ``/m/<plugin id>``."""


@hookspec
def startup(services: Services) -> None:
    """Prepare the plugin once, when the host loads it (register tasks here)."""


@hookspec
def tenant_enabled(tenant: TenantInfo, config: dict[str, Any], services: Services) -> None:
    """React to the module being switched on for a tenant."""


@hookspec
def tenant_disabled(tenant: TenantInfo, services: Services) -> None:
    """React to the module being switched off for a tenant."""


@hookspec
def config_changed(
    tenant: TenantInfo, config: dict[str, Any], previous: dict[str, Any], services: Services
) -> None:
    """Learn that a tenant's validated configuration of this plugin changed."""


@hookspec
def health(tenant: TenantInfo, services: Services) -> Health:
    """Report whether the plugin can serve the tenant now (checked by ``/readyz``)."""


@hookspec
def export_user_data(user_id: str, tenant: TenantInfo, services: Services) -> dict[str, Any]:
    """Return everything the plugin holds about one user, as JSON-ready data."""


@hookspec
def erase_user_data(user_id: str, tenant: TenantInfo, services: Services) -> Erasure:
    """Erase one user's data, saying what was kept and the law that keeps it."""


@hookspec(firstresult=True)
def send_sms(phone: str, message: str, tenant: TenantInfo, services: Services) -> bool | None:
    """Send a text message to an E.164 number: True if sent, False if it failed, None to pass."""


@hookspec(firstresult=True)
def verify_identity(
    national_id: str, full_name: str, birthdate: date, tenant: TenantInfo, services: Services
) -> IdentityCheck | None:
    """Check a citizen's ID number, full name and date of birth against a national ID record."""


@hookspec
def report_categories(tenant: TenantInfo, services: Services) -> list[ReportCategory]:
    """Contribute the report categories the plugin's partner handles, with their organization."""


@hookspec
def report_routed(report: ReportInfo, tenant: TenantInfo, services: Services) -> None:
    """Learn that a report was routed to an organization one of the plugin's categories names."""


@hookspec
def notification_channels(tenant: TenantInfo, services: Services) -> list[Channel]:
    """Declare the delivery channels the plugin can serve for the tenant as configured."""


@hookspec
def deliver_notifications(
    channel: str, messages: list[OutgoingMessage], tenant: TenantInfo, services: Services
) -> list[DeliveryOutcome]:
    """Send a batch of messages on one of the plugin's channels; one outcome per message."""


@hookspec
def payment_providers(tenant: TenantInfo, services: Services) -> list[PaymentProvider]:
    """Declare the ways to pay the plugin offers for the tenant as configured."""


@hookspec
def start_payment(
    provider: str,
    payment: PaymentInfo,
    return_url: str,
    client_ip: str,
    language: str,
    tenant: TenantInfo,
    services: Services,
) -> Checkout:
    """Begin paying ``payment`` with one of the plugin's providers; the payer comes back to
    ``return_url``."""


@hookspec
def refund_payment(
    provider: str,
    payment: PaymentInfo,
    amount: int,
    refund_id: str,
    reason: str,
    tenant: TenantInfo,
    services: Services,
) -> RefundResult:
    """Return ``amount`` of a payment the plugin's provider took, through the gateway."""


@hookspec
def provider_transactions(
    provider: str, payments: list[PaymentInfo], tenant: TenantInfo, services: Services
) -> list[ProviderTransaction]:
    """Ask the gateway what it recorded of these payments, for reconciliation."""


@hookspec
def payment_succeeded(payment: PaymentInfo, tenant: TenantInfo, services: Services) -> None:
    """Learn that a payment the plugin created was paid."""


@hookspec
def payment_failed(payment: PaymentInfo, tenant: TenantInfo, services: Services) -> None:
    """Learn that a payment the plugin created failed, was canceled or expired."""


@hookspec
def payment_refunded(
    payment: PaymentInfo, amount: int, tenant: TenantInfo, services: Services
) -> None:
    """Learn that ``amount`` of a payment the plugin created was returned to the payer."""
