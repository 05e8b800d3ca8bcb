"""The hook implementations the host calls. Each declares only the arguments it uses."""

from __future__ import annotations

import logging
import secrets

import requests
from sieuapp.sdk import (
    Channel,
    DeliveryOutcome,
    Health,
    Manifest,
    OutgoingMessage,
    Services,
    hookimpl,
)

from . import gateway
from .about import CHANNEL, MANIFEST
from .configuration import is_configured
from .texts import fit

log = logging.getLogger("sieuapp_smsgateway")
NOT_CONFIGURED = "not configured: set url and api_key"


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
    outcomes: list[DeliveryOutcome] = []
    with requests.Session() as session:
        for index, message in enumerate(messages):
            text = fit(
                message.title,
                message.body,
                message.link,
                int(config["max_parts"]),
                bool(config["unaccented"]),
            )
            answer = gateway.send(session, config, message.address.get("phone"), text, message.id)
            outcomes.append(DeliveryOutcome(message.id, answer.status, answer.detail))
            if answer.halt:
                rest = messages[index + 1 :]
                outcomes.extend(DeliveryOutcome.retry(m.id, answer.detail) for m in rest)
                break
    return outcomes


@hookimpl
def send_sms(phone: str, message: str, services: Services) -> bool | None:
    config = services.config.get()
    if not is_configured(config):
        return None
    text = fit("", message, None, int(config["max_parts"]), bool(config["unaccented"]))
    # The host has no delivery id for a verification code; a random one still lets the
    # province match our request to the gateway's log.
    reference = f"sms-{secrets.token_hex(8)}"
    with requests.Session() as session:
        answer = gateway.send(session, config, phone, text, reference)
    if answer.status != "sent":
        # Neither the number nor the text: the text may carry a verification code.
        log.warning("SMS %s not sent (%s): %s", reference, answer.status, answer.detail)
        return False
    return True


@hookimpl
def health(services: Services) -> Health:
    # No request here: a gateway bills or rate-limits calls and has no standard probe; a
    # gateway that is down shows as retried deliveries in the log.
    if not is_configured(services.config.get()):
        return Health(ok=False, detail=NOT_CONFIGURED)
    return Health(ok=True)
