"""VietQR payments for sieuapp: the ``vietqr`` payment provider. The payer scans a VietQR code
(NAPAS's profile of the EMVCo merchant-presented QR) with any Vietnamese banking app and
transfers to the province's account; the bank connector's signed notification of the credit
settles the payment. It uses only ``sieuapp.sdk``.

The host registers this module with pluggy (entry point ``vietqr`` in the group
``sieuapp.plugins``), so the hook implementations must be attributes of this module."""

from .hooks import health, manifest, payment_providers, routes, start_payment

__all__ = ["health", "manifest", "payment_providers", "routes", "start_payment"]
