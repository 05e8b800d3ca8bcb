"""Taxi (Đặt taxi): book a ride with the province's taxi firms, pay through the platform or in
cash, rate it or complain; the province reads trips in MDS. Written against ``sieuapp.sdk``
only, as a partner company would write it.

The host registers this module with pluggy (entry point ``taxi`` in the group
``sieuapp.plugins``), so the hook implementations must be attributes of this module."""

from .hooks import (
    erase_user_data,
    export_user_data,
    health,
    manifest,
    payment_succeeded,
    report_categories,
    routes,
    startup,
)

__all__ = [
    "erase_user_data",
    "export_user_data",
    "health",
    "manifest",
    "payment_succeeded",
    "report_categories",
    "routes",
    "startup",
]
