"""Text messages through an SMS gateway's HTTP API for sieuapp: the ``sms`` delivery channel
and the sender of phone verification codes. It uses only ``sieuapp.sdk``.

The host registers this module with pluggy (entry point ``smsgateway`` in the group
``sieuapp.plugins``), so the hook implementations must be attributes of this module."""

from .hooks import deliver_notifications, health, manifest, notification_channels, send_sms

__all__ = ["deliver_notifications", "health", "manifest", "notification_channels", "send_sms"]
