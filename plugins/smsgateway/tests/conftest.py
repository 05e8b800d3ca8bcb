"""A real HTTP gateway on loopback that records requests and answers chosen statuses, and the
plugin installed on an in-memory sieuapp."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sieuapp.sdk import OutgoingMessage

CONFIG_URL = "/api/v1/admin/plugins/smsgateway/config"
API_KEY = "gw-key-7f3a9c1e5b2d4860"


@dataclass
class Gateway:
    """The recorded requests, and the answer per number: (status, JSON body), or "sleep"."""

    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)

    def config(self, **overrides: Any) -> dict[str, Any]:
        return {
            "url": self.url,
            "api_key": API_KEY,
            "sender": "HUE-S",
            "timeout_seconds": 5,
            **overrides,
        }


def _handler(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            gateway.requests.append(
                {"path": self.path, "headers": dict(self.headers), "json": body}
            )
            answer = gateway.answers.get(
                body.get("to"), (200, {"id": f"gw-{len(gateway.requests)}"})
            )
            if answer == "sleep":
                # Past the client's timeout; released when the test ends.
                gateway.release.wait(10)
                return
            status, payload = answer
            data = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    gateway = Gateway(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(gateway))
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/v1/sms"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        gateway.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


def message(phone: str, **overrides: Any) -> OutgoingMessage:
    """An outgoing message as the host would hand it over."""
    base: dict[str, Any] = {
        "id": f"d-{phone}",
        "user_id": "u1",
        "address": {"phone": phone},
        "language": "vi",
        "kind": "report.status_changed",
        "title": "Đà Nẵng phản ánh",
        "body": "Đường Lê Lợi đã được sửa.",
        "link": "https://hue.sieuapp.test/r/42",
    }
    return OutgoingMessage(**{**base, **overrides})


@pytest.fixture
def sieuapp_plugins() -> list[str]:
    return ["smsgateway"]
