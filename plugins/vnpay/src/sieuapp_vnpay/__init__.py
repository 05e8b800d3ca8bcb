"""Payments through VNPay's gateway (API 2.1.0) for sieuapp: the ``vnpay`` provider (the
payer is sent to VNPay's page), its IPN and return routes, refunds and transaction queries, and
a local gateway simulator (``python -m sieuapp_vnpay.simulator``). It uses only ``sieuapp.sdk``.

The host registers this module with pluggy (entry point ``vnpay`` in the group
``sieuapp.plugins``), so the hook implementations must be attributes of this module."""

from .hooks import (
    health,
    manifest,
    payment_providers,
    provider_transactions,
    refund_payment,
    routes,
    start_payment,
)

__all__ = [
    "health",
    "manifest",
    "payment_providers",
    "provider_transactions",
    "refund_payment",
    "routes",
    "start_payment",
]
