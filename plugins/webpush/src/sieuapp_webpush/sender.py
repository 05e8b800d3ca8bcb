"""Sending a batch of messages to the browsers' push services (RFC 8030) with the payload
encrypted for each subscription (RFC 8291, aes128gcm) and signed for the province (VAPID,
RFC 8292), and reading each answer into a ``DeliveryOutcome``.

Outcome details are written here from status codes and headers only: exception texts and
response bodies may quote the endpoint's secrets or our JWT, so none of them is copied."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Mapping
from typing import Any, cast
from urllib.parse import urlsplit

import requests
from http_ece import ECEException
from py_vapid import Vapid02, VapidException
from pywebpush import WebPusher, WebPushException
from sieuapp.sdk import URGENCIES, DeliveryOutcome, OutgoingMessage

from .configuration import PushSettings
from .keys import b64url_encode
from .payload import PayloadTooLarge, build

#: RFC 8292 §2 caps ``exp`` at 24 hours; half a day leaves room for clock skew.
JWT_LIFETIME = 12 * 3600
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


class BadSubscription(ValueError):
    """The stored address is not a PushSubscription this plugin can send to."""


def origin_of(endpoint: Any) -> str:
    """The endpoint's origin, the JWT ``aud``; only https (http on loopback, for tests)."""
    if not isinstance(endpoint, str):
        raise BadSubscription("the subscription has no endpoint")
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if parts.scheme != "https" and not (parts.scheme == "http" and host in LOOPBACK_HOSTS):
        raise BadSubscription("the endpoint is not an https URL")
    if not host or parts.username or parts.password:
        raise BadSubscription("the endpoint has no plain host")
    return f"{parts.scheme}://{parts.netloc}"


def topic_of(message: OutgoingMessage) -> str | None:
    """A Topic (RFC 8030 §5.4) so a newer message replaces an undelivered older one: each
    message of a CAP thread (``alert.alert``, ``alert.update``, ``alert.cancel``) replaces the
    one before. 32 base64url characters, as the RFC allows."""
    data = message.data
    key = data.get("topic")
    if key not in (None, ""):
        key = f"topic:{key}"
    elif message.kind.startswith("alert.") and data.get("thread_id") not in (None, ""):
        # Not the kind: an update must replace the alert it updates.
        key = f"alert-thread:{data['thread_id']}"
    else:
        return None
    return b64url_encode(hashlib.sha256(str(key).encode()).digest()[:24])


def headers_for(message: OutgoingMessage) -> dict[str, str]:
    """The push headers besides TTL and VAPID."""
    urgency = "high" if message.critical else message.urgency
    headers = {"Urgency": urgency if urgency in URGENCIES else "normal"}
    topic = topic_of(message)
    if topic:
        headers["Topic"] = topic
    return headers


def outcome_of(message_id: str, response: requests.Response) -> DeliveryOutcome:
    """Read the push service's answer (RFC 8030 §5, §6.2, §8.3)."""
    status = response.status_code
    if 200 <= status < 300:  # 201 Created is the norm; 202 when a receipt was asked for
        return DeliveryOutcome.sent(
            message_id, response.headers.get("Location") or f"HTTP {status}"
        )
    detail = f"HTTP {status}"
    if status in (404, 410):
        return DeliveryOutcome.gone(message_id, f"{detail}: the subscription has expired")
    if status == 429 or status >= 500:
        after = response.headers.get("Retry-After")
        return DeliveryOutcome.retry(
            message_id, f"{detail}, retry after {after}" if after else detail
        )
    if status == 413:
        return DeliveryOutcome.failed(message_id, f"{detail}: the payload is too large")
    return DeliveryOutcome.failed(message_id, detail)


class Batch:
    """One call of ``deliver_notifications``: one HTTP session, one JWT per push service."""

    def __init__(self, settings: PushSettings, session: requests.Session) -> None:
        self._settings = settings
        self._session = session
        self._vapid = Vapid02(private_key=settings.key, conf={"no-strict": True})
        self._expires = int(time.time()) + JWT_LIFETIME
        self._authorizations: dict[str, str] = {}

    def _authorization(self, origin: str) -> str:
        if origin not in self._authorizations:
            claims = {"aud": origin, "sub": self._settings.subject, "exp": self._expires}
            self._authorizations[origin] = self._vapid.sign(claims)["Authorization"]
        return self._authorizations[origin]

    def send(self, message: OutgoingMessage) -> DeliveryOutcome:
        """Deliver one message; every failure becomes an outcome, none escapes."""
        try:
            subscription = _subscription(message.address)
            origin = origin_of(subscription["endpoint"])
            body = build(message)
            pusher = WebPusher(subscription, requests_session=self._session)
            headers = {**headers_for(message), "Authorization": self._authorization(origin)}
        except BadSubscription as exc:
            return DeliveryOutcome.failed(message.id, f"invalid subscription: {exc}")
        except PayloadTooLarge as exc:
            return DeliveryOutcome.failed(message.id, str(exc))
        except (WebPushException, ValueError, TypeError):
            return DeliveryOutcome.failed(message.id, "invalid subscription keys")
        except VapidException:
            return DeliveryOutcome.failed(message.id, "could not sign for this push service")
        try:
            response = pusher.send(
                body,
                headers,
                ttl=max(int(message.ttl), 0),
                content_encoding="aes128gcm",
                timeout=self._settings.timeout,
            )
        except requests.Timeout:
            return DeliveryOutcome.retry(message.id, "the push service did not answer in time")
        except requests.ConnectionError:
            return DeliveryOutcome.retry(message.id, "could not connect to the push service")
        except requests.RequestException as exc:
            return DeliveryOutcome.retry(message.id, f"request failed ({type(exc).__name__})")
        except (WebPushException, ECEException, ValueError, TypeError):
            # Encryption happens in send(): a p256dh that is not a P-256 point fails here.
            return DeliveryOutcome.failed(message.id, "invalid subscription keys")
        return outcome_of(message.id, cast(requests.Response, response))


def _subscription(address: Mapping[str, Any]) -> dict[str, Any]:
    keys = address.get("keys") if isinstance(address, Mapping) else None
    if not isinstance(keys, Mapping) or not all(
        isinstance(keys.get(k), str) and keys.get(k) for k in ("p256dh", "auth")
    ):
        raise BadSubscription("keys.p256dh and keys.auth are required")
    return {
        "endpoint": address.get("endpoint"),
        "keys": {"p256dh": keys["p256dh"], "auth": keys["auth"]},
    }


def deliver(settings: PushSettings, messages: Iterable[OutgoingMessage]) -> list[DeliveryOutcome]:
    """One outcome per message, in order."""
    with requests.Session() as session:
        batch = Batch(settings, session)
        return [batch.send(message) for message in messages]
