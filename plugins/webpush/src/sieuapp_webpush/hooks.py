"""The hook implementations the host calls. Each declares only the arguments it uses."""

from __future__ import annotations

from flask import Blueprint
from sieuapp.sdk import (
    Channel,
    DeliveryOutcome,
    Health,
    Manifest,
    OutgoingMessage,
    Services,
    hookimpl,
    text,
)

from . import sender
from .about import MANIFEST
from .configuration import push_settings
from .views import make_blueprint

CHANNEL = "web_push"
LABEL = text("Thông báo đẩy", "Push notifications")


@hookimpl
def manifest() -> Manifest:
    return MANIFEST


@hookimpl
def routes(services: Services) -> Blueprint:
    return make_blueprint(services)


@hookimpl
def notification_channels(services: Services) -> list[Channel]:
    if push_settings(services.config.get()) is None:
        return []
    return [Channel(CHANNEL, LABEL, "web_push")]


@hookimpl
def deliver_notifications(
    channel: str, messages: list[OutgoingMessage], services: Services
) -> list[DeliveryOutcome]:
    settings = push_settings(services.config.get())
    if channel != CHANNEL or settings is None:
        # The key was removed after these were planned: retrying lets a restored key send them.
        reason = "not configured" if settings is None else f"unknown channel {channel!r}"
        return [DeliveryOutcome.retry(m.id, reason) for m in messages]
    return sender.deliver(settings, messages)


@hookimpl
def health(services: Services) -> Health:
    config = services.config.get()
    if not config.get("vapid_private_key"):
        # Enabled but silent: readiness shows it, so a province notices before citizens do.
        return Health(ok=False, detail="not configured: set vapid_private_key and subject")
    if push_settings(config) is None:
        return Health(ok=False, detail="the VAPID private key or the subject cannot be used")
    return Health(ok=True)
