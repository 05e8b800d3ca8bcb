"""Delivery channels: what the host hands a channel plugin and what the plugin answers.

A channel plugin is a transport. The host decides who gets what, on which channel, when (the
user's preferences, quiet hours, digests) and resolves each recipient's address; the plugin
sends a batch and says, per message, what became of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ._text import LocalizedText

#: The scope a plugin declares in its manifest to notify users; a user who did not grant it
#: to the plugin gets nothing from ``services.notify``.
NOTIFY_SCOPE = "notify"

#: What a channel needs to reach a user: the account's e-mail address, its verified phone
#: number (E.164), or a Web Push subscription the user's browser registered.
ADDRESS_KINDS = ("email", "phone", "web_push")

#: RFC 8030 Urgency values, lowest first.
URGENCIES = ("very-low", "low", "normal", "high")


@dataclass(frozen=True)
class Channel:
    """A delivery channel a plugin provides, returned by ``notification_channels``."""

    #: Channel name users set preferences for: ``web_push``, ``email``, ``sms`` or another.
    name: str
    label: LocalizedText
    #: Which of ``ADDRESS_KINDS`` the host must resolve for each recipient.
    address_kind: str

    def problems(self) -> list[str]:
        found: list[str] = []
        if not isinstance(self.name, str) or not self.name.replace("_", "").isalnum():
            found.append(f"name: {self.name!r} must be letters, digits and _")
        if not isinstance(self.label, LocalizedText):
            found.append("label: must be LocalizedText(vi=..., en=...)")
        else:
            found.extend(self.label.problems("label"))
        if self.address_kind not in ADDRESS_KINDS:
            found.append(
                f"address_kind: {self.address_kind!r} is not one of {', '.join(ADDRESS_KINDS)}"
            )
        return found


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to one address, already in the recipient's language."""

    #: The host's delivery id; the plugin's outcome names it.
    id: str
    user_id: str
    #: ``{"email": ...}``, ``{"phone": ...}`` or a Web Push subscription
    #: ``{"endpoint": ..., "keys": {"p256dh": ..., "auth": ...}}``.
    address: Mapping[str, Any]
    language: str
    #: Dotted event name: ``report.status_changed``, ``alert.published``.
    kind: str
    title: str
    body: str
    #: Absolute URL the message opens, or None.
    link: str | None = None
    #: RFC 8030 Urgency (one of ``URGENCIES``).
    urgency: str = "normal"
    #: Seconds the message is worth delivering; a push service drops it after that.
    ttl: int = 86400
    #: A government alert of severity Extreme or Severe: sent even in quiet hours.
    critical: bool = False
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeliveryOutcome:
    """What became of one ``OutgoingMessage``."""

    SENT: ClassVar[str] = "sent"
    #: A temporary failure (network, 429, 5xx): the host tries again later, with backoff.
    RETRY: ClassVar[str] = "retry"
    #: The address is no longer valid (Web Push 404/410): the host forgets it.
    GONE: ClassVar[str] = "gone"
    #: A permanent failure (a refused address, a message the gateway will never take).
    FAILED: ClassVar[str] = "failed"
    STATUSES: ClassVar[tuple[str, ...]] = ("sent", "retry", "gone", "failed")

    message_id: str
    status: str
    #: For the delivery log: the gateway's reference or the error. Never secrets.
    detail: str = ""

    def __post_init__(self) -> None:
        if self.status not in self.STATUSES:
            raise ValueError(
                f"DeliveryOutcome status must be one of {', '.join(self.STATUSES)}, "
                f"not {self.status!r}"
            )

    @classmethod
    def sent(cls, message_id: str, detail: str = "") -> DeliveryOutcome:
        return cls(message_id, cls.SENT, detail)

    @classmethod
    def retry(cls, message_id: str, detail: str = "") -> DeliveryOutcome:
        return cls(message_id, cls.RETRY, detail)

    @classmethod
    def gone(cls, message_id: str, detail: str = "") -> DeliveryOutcome:
        return cls(message_id, cls.GONE, detail)

    @classmethod
    def failed(cls, message_id: str, detail: str = "") -> DeliveryOutcome:
        return cls(message_id, cls.FAILED, detail)
