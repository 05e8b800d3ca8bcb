"""The hook implementations the host calls. Each declares only the arguments it uses."""

from __future__ import annotations

from flask import Blueprint
from sieuapp.sdk import Checkout, Health, Manifest, PaymentInfo, PaymentProvider, Services, hookimpl
from sieuapp.sdk.errors import Conflict

from . import checkout
from .about import MANIFEST, PROVIDER
from .configuration import REQUIRED, is_configured
from .views import make_blueprint

NOT_CONFIGURED = f"not configured: set {', '.join(REQUIRED)}"


@hookimpl
def manifest() -> Manifest:
    return MANIFEST


@hookimpl
def routes(services: Services) -> Blueprint:
    return make_blueprint(services)


@hookimpl
def payment_providers(services: Services) -> list[PaymentProvider]:
    # Without the secret no notification could be checked, and no payment ever confirmed.
    return [PROVIDER] if is_configured(services.config.get()) else []


@hookimpl
def start_payment(provider: str, payment: PaymentInfo, services: Services) -> Checkout | None:
    if provider != PROVIDER.name:
        return None
    config = services.config.get()
    if not is_configured(config):
        # The province cleared the settings after the payer was offered VietQR.
        raise Conflict(
            "VietQR is not available in this province now.", {"provider": [NOT_CONFIGURED]}
        )
    return checkout.start(config, payment)


@hookimpl
def health(services: Services) -> Health:
    # Nothing to probe: the bank is reached by the payer's app, and the connector reaches us.
    if not is_configured(services.config.get()):
        return Health(ok=False, detail=NOT_CONFIGURED)
    return Health(ok=True)
