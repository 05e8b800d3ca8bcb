"""E-mail notifications over SMTP for sieuapp: the ``email`` delivery channel. It uses only
``sieuapp.sdk``.

The host registers this module with pluggy (entry point ``mail`` in the group
``sieuapp.plugins``), so the hook implementations must be attributes of this module."""

from .hooks import deliver_notifications, health, manifest, notification_channels

__all__ = ["deliver_notifications", "health", "manifest", "notification_channels"]
