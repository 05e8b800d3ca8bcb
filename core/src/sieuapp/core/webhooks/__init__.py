"""Signed webhooks to partner back-ends (Standard Webhooks): endpoints an organization
registers, events other core code publishes, deliveries retried on a schedule.

What other core code calls::

    from sieuapp.core.webhooks import event_id_for, publish, register_event_type

    register_event_type("payment.succeeded", text("Thanh toán thành công", "Payment succeeded"))
    publish(session, tenant_id, organization_id, "payment.succeeded", {...},
            event_id=event_id_for("payment.succeeded", transfer_id))
"""

from .events import event_types, register_event_type
from .publishing import event_id_for, publish

__all__ = ["event_id_for", "event_types", "publish", "register_event_type"]
