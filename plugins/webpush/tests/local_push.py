"""A real push service on 127.0.0.1 for the tests, and a subscriber made the way a browser
makes one: a P-256 key pair and 16 random auth octets (RFC 8291 §3.2).

The service answers each request with the status named in the endpoint's path
(``/push/410/abc`` answers 410) and records what it received."""

from __future__ import annotations

import base64
import os
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sieuapp.sdk import OutgoingMessage


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unb64url(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


@dataclass
class Received:
    """One request; header names in lower case, as HTTP compares them."""

    path: str
    headers: dict[str, str]
    body: bytes


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        with self.server.lock:
            self.server.received.append(
                Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            number = len(self.server.received)
        parts = self.path.strip("/").split("/")
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 201
        self.send_response(status)
        if status == 201:
            self.send_header("Location", f"{self.server.origin}/message/{number}")
        if status in (429, 503):
            self.send_header("Retry-After", "120")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    received: list[Received]
    lock: threading.Lock
    origin: str


class PushService:
    """The server, started on a free port; ``endpoint(status)`` is a subscription URL."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.received = []
        self._server.lock = threading.Lock()
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._server.origin = self.origin
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def received(self) -> list[Received]:
        with self._server.lock:
            return list(self._server.received)

    def endpoint(self, status: int = 201) -> str:
        return f"{self.origin}/push/{status}/{b64url(os.urandom(12))}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def refused_endpoint() -> str:
    """An endpoint on a port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/push/201/nobody"


@dataclass
class Subscriber:
    """A browser's side of a subscription: it alone can read what is pushed to it."""

    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self, endpoint: str) -> dict[str, Any]:
        """The PushSubscription JSON the browser hands the page."""
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": endpoint, "keys": {"p256dh": b64url(point), "auth": b64url(self.auth)}}

    def decrypt(self, body: bytes) -> bytes:
        return http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )


def message(address: dict[str, Any], **overrides: Any) -> OutgoingMessage:
    """A message as the host would hand it over."""
    fields: dict[str, Any] = {
        "id": "d-1",
        "user_id": "u-1",
        "address": address,
        "language": "vi",
        "kind": "report.status_changed",
        "title": "Phản ánh của bạn đã được tiếp nhận",
        "body": "Sở Xây dựng đã tiếp nhận phản ánh về ổ gà trên đường Lê Lợi.",
        "link": "https://hue.sieuapp.test/reports/42",
        "urgency": "normal",
        "ttl": 3600,
    }
    fields.update(overrides)
    return OutgoingMessage(**fields)
