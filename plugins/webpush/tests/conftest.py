from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sieuapp.sdk import DeliveryOutcome, OutgoingMessage
from sieuapp_webpush.keys import generate

from .local_push import PushService, Subscriber

CONFIG_URL = "/api/v1/admin/plugins/webpush/config"
SUBJECT = "mailto:ioc@hue.gov.vn"


@pytest.fixture
def sieuapp_plugins() -> list[str]:
    return ["webpush"]


@pytest.fixture
def vapid_pair() -> tuple[str, str]:
    """A fresh (private PEM, public applicationServerKey) pair."""
    return generate()


@pytest.fixture
def configured(
    configure_plugin: Callable[[dict[str, Any]], Any], vapid_pair: tuple[str, str]
) -> dict:
    config = {"vapid_private_key": vapid_pair[0], "subject": SUBJECT, "timeout_seconds": 5}
    response = configure_plugin(config)
    assert response.status_code == 200, response.get_json()
    return config


@pytest.fixture
def deliver(call_hook: Callable[..., Any]) -> Callable[..., list[DeliveryOutcome]]:
    def send(messages: list[OutgoingMessage], channel: str = "web_push") -> Any:
        return call_hook("deliver_notifications", channel=channel, messages=messages)

    return send


@pytest.fixture
def push_service() -> Iterator[PushService]:
    service = PushService()
    yield service
    service.close()


@pytest.fixture
def subscriber() -> Subscriber:
    return Subscriber()
