"""The hook implementations the host calls. Each declares only the arguments it uses."""

from __future__ import annotations

from sieuapp.sdk import (
    Channel,
    DeliveryOutcome,
    Health,
    Manifest,
    OutgoingMessage,
    Services,
    hookimpl,
)

from .about import CHANNEL, MANIFEST
from .configuration import is_configured
from .sending import send_batch

NOT_CONFIGURED = "not configured: set host and from_address"


@hookimpl
def manifest() -> Manifest:
    return MANIFEST


@hookimpl
def notification_channels(services: Services) -> list[Channel]:
    return [CHANNEL] if is_configured(services.config.get()) else []


@hookimpl
def deliver_notifications(
    channel: str, messages: list[OutgoingMessage], services: Services
) -> list[DeliveryOutcome]:
    if channel != CHANNEL.name:
        return []
    config = services.config.get()
    if not is_configured(config):
        # The province removed the settings after the messages were planned; they go out
        # once it sets them again rather than being lost.
        return [DeliveryOutcome.retry(m.id, NOT_CONFIGURED) for m in messages]
    return send_batch(config, messages)


@hookimpl
def health(services: Services) -> Health:
    # No connection here: /readyz runs often, and a probe would open an SMTP session (and a
    # sign-in) each time; a server that is down shows as retried deliveries in the log.
    if not is_configured(services.config.get()):
        return Health(ok=False, detail=NOT_CONFIGURED)
    return Health(ok=True)
