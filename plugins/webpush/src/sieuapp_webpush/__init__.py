"""Web Push (RFC 8030/8291/8292, VAPID): the ``web_push`` notification channel. It sends
what the host hands it to the browsers' push services and serves the key and the service
worker a browser needs to subscribe. It uses only ``sieuapp.sdk``.

The host registers this module with pluggy (entry point ``webpush`` in the group
``sieuapp.plugins``), so the hook implementations must be attributes of this module."""

from .hooks import deliver_notifications, health, manifest, notification_channels, routes

__all__ = ["deliver_notifications", "health", "manifest", "notification_channels", "routes"]
