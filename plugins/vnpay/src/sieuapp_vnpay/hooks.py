"""The hook implementations the host calls. Each declares only the arguments it uses."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

import requests
from flask import Blueprint, has_request_context, request
from sieuapp.sdk import (
    Checkout,
    Health,
    Manifest,
    PaymentInfo,
    PaymentProvider,
    ProviderTransaction,
    RefundResult,
    Services,
    hookimpl,
)
from sieuapp.sdk.errors import Conflict, InvalidInput

from . import api, protocol, returns
from .about import MANIFEST, PLUGIN_ID, PROVIDER
from .configuration import is_configured
from .routes import blueprint
from .signing import signed_query

log = logging.getLogger("sieuapp_vnpay")
NOT_CONFIGURED = "not configured: set tmn_code and hash_secret"


@hookimpl
def manifest() -> Manifest:
    return MANIFEST


@hookimpl
def routes(services: Services) -> Blueprint:
    return blueprint(services)


@hookimpl
def payment_providers(services: Services) -> list[PaymentProvider]:
    return [PROVIDER] if is_configured(services.config.get()) else []


@hookimpl
def start_payment(
    provider: str,
    payment: PaymentInfo,
    return_url: str,
    client_ip: str,
    language: str,
    services: Services,
) -> Checkout | None:
    if provider != PROVIDER.name:
        return None
    config = services.config.get()
    if not is_configured(config):
        raise Conflict(f"VNPay is {NOT_CONFIGURED}.")
    if not protocol.MIN_AMOUNT <= payment.amount <= protocol.MAX_AMOUNT:
        # VNPay's page would refuse it; the payer learns now, and may pay another way.
        problem = (
            f"VNPay takes {protocol.MIN_AMOUNT:,} to {protocol.MAX_AMOUNT:,} đồng; "
            "choose another way to pay"
        )
        raise InvalidInput(f"amount: {problem}", {"amount": [problem]})
    try:
        root = returns.public_root(return_url, request.url_root if has_request_context() else None)
        path = returns.local_path(return_url, urlsplit(root).netloc)
    except ValueError as exc:
        raise InvalidInput(f"return_url: {exc}", {"return_url": [str(exc)]}) from None
    token = returns.issue(config["hash_secret"], payment.id, path, payment.expires_at)
    vnp_return = f"{root}m/{PLUGIN_ID}/return?{urlencode({returns.TOKEN_PARAM: token})}"
    if len(vnp_return) > protocol.RETURN_URL_LIMIT:
        problem = "too long for VNPay's vnp_ReturnUrl (255 characters with our token)"
        raise InvalidInput(f"return_url: {problem}", {"return_url": [problem]})
    params = protocol.pay_request(config, payment, vnp_return, client_ip, language)
    query = signed_query(params, config["hash_secret"])
    return Checkout(redirect_url=f"{config['payment_url']}?{query}")


@hookimpl
def refund_payment(
    provider: str,
    payment: PaymentInfo,
    amount: int,
    refund_id: str,
    reason: str,
    services: Services,
) -> RefundResult | None:
    if provider != PROVIDER.name:
        return None
    config = services.config.get()
    if not is_configured(config):
        return RefundResult(False, detail=NOT_CONFIGURED)
    with requests.Session() as session:
        outcome = api.refund(session, config, payment, amount, refund_id, reason, datetime.now(UTC))
    if not outcome.succeeded:
        log.warning("VNPay refund %s of %s refused: %s", refund_id, payment.id, outcome.detail)
    return outcome


@hookimpl
def provider_transactions(
    provider: str, payments: list[PaymentInfo], services: Services
) -> list[ProviderTransaction]:
    if provider != PROVIDER.name:
        return []
    config = services.config.get()
    if not is_configured(config):
        # An empty list would read as "VNPay knows none of them".
        raise api.GatewayError(f"cannot ask VNPay: {NOT_CONFIGURED}")
    found: list[ProviderTransaction] = []
    ip = api.server_ip(config["api_url"])
    with requests.Session() as session:
        for payment in payments:
            found.extend(api.query(session, config, payment, datetime.now(UTC), ip))
    return found


@hookimpl
def health(services: Services) -> Health:
    # No request here: VNPay has no probe, and a querydr needs a real order to ask about.
    if not is_configured(services.config.get()):
        return Health(ok=False, detail=NOT_CONFIGURED)
    return Health(ok=True)
