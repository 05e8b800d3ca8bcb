"""A channel plugin for the core's notification tests: ``recorder`` serves ``web_push``,
``email`` and ``sms`` through the real hooks and writes every message it is handed to a
JSON-lines file (``SIEUAPP_RECORDER_LOG``), so tests in this process and in a worker process
read the same record. The real transports are tested in their own plugins (plugins/webpush,
plugins/mail, plugins/smsgateway).

What it answers is chosen by the address, so a test can make one recipient fail:
an address containing ``gone`` → GONE, ``retry`` → RETRY, ``refuse`` → FAILED, else SENT.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sieuapp.core.plugins.synthetic import plugin_source

RECORDER_ENV = "SIEUAPP_RECORDER_LOG"

RECORDER = """
import json
import os

from sieuapp.sdk import Channel, DeliveryOutcome, NOTIFY_SCOPE


@hookimpl
def notification_channels(tenant):
    return [
        Channel("web_push", text("Thông báo đẩy", "Push notifications"), "web_push"),
        Channel("email", text("Thư điện tử", "E-mail"), "email"),
        Channel("sms", text("Tin nhắn SMS", "Text messages"), "phone"),
    ]


def _answer(message):
    address = json.dumps(dict(message.address))
    for marker, make in (
        ("gone", DeliveryOutcome.gone),
        ("retry", DeliveryOutcome.retry),
        ("refuse", DeliveryOutcome.failed),
    ):
        if marker in address:
            return make(message.id, marker)
    return DeliveryOutcome.sent(message.id, "recorded")


@hookimpl
def deliver_notifications(channel, messages, tenant):
    outcomes = [_answer(m) for m in messages]
    path = os.environ.get("SIEUAPP_RECORDER_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as log:
            for message, outcome in zip(messages, outcomes):
                record = {
                    "channel": channel,
                    "tenant": tenant.slug,
                    "outcome": outcome.status,
                    "id": message.id,
                    "user_id": message.user_id,
                    "address": dict(message.address),
                    "language": message.language,
                    "kind": message.kind,
                    "title": message.title,
                    "body": message.body,
                    "link": message.link,
                    "urgency": message.urgency,
                    "ttl": message.ttl,
                    "critical": message.critical,
                    "data": dict(message.data),
                }
                log.write(json.dumps(record, ensure_ascii=False) + "\\n")
    return outcomes
"""


def recorder_plugin(plugin_id: str = "recorder", extra: str = "") -> str:
    """The source of the recorder channel plugin; ``extra`` is appended (more hooks)."""
    return plugin_source(plugin_id, sdk_api=">=1.3,<2", extra=RECORDER + extra)


def recorded(path: Path) -> list[dict[str, Any]]:
    """Everything the recorder was handed so far, oldest first."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
