"""The VNPay simulator on loopback, a small HTTP server answering whatever a test chooses (for
gateways that misbehave), payments as the host hands them over, and the plugin installed on an
in-memory sieuapp."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from sieuapp.sdk import PaymentInfo, text
from sieuapp_vnpay.simulator import Simulator

CONFIG_URL = "/api/v1/admin/plugins/vnpay/config"
TMN_CODE = "SIEUAPP1"
# The shape of the secrets VNPay issues: 32 upper-case letters and digits.
HASH_SECRET = "K7QZ2M9XW4RT8YPB3NV6HC1JD5GF0LSA"


def payment(**overrides: Any) -> PaymentInfo:
    """A payment as the host hands it to a provider plugin."""
    created = datetime.now(UTC).replace(microsecond=0)
    base: dict[str, Any] = {
        "id": "PAY0K3M7Q9T2W5Y8A1C4E",
        "amount": 150_000,
        "status": "processing",
        "purpose": text("Lệ phí đổi giấy phép lái xe (Đà Nẵng)", "Driving licence renewal fee"),
        "payee": "so-gtvt",
        "payer_id": "u1",
        "plugin_id": None,
        "provider": "vnpay",
        "provider_ref": None,
        "refunded": 0,
        "created_at": created,
        "expires_at": created + timedelta(minutes=15),
    }
    return PaymentInfo(**{**base, **overrides})


def query_of(url: str) -> dict[str, str]:
    """A URL's query as a dict (its names are unique)."""
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


@pytest.fixture
def gateway() -> Iterator[Simulator]:
    """The simulated VNPay for our terminal; IPN retries a few milliseconds apart."""
    with Simulator(TMN_CODE, HASH_SECRET, ipn_retries=3, ipn_retry_interval=0.05) as simulator:
        yield simulator


def gateway_config(simulator: Simulator, **overrides: Any) -> dict[str, Any]:
    """The plugin's configuration for ``simulator``, as an admin would PUT it."""
    return {
        "tmn_code": TMN_CODE,
        "hash_secret": HASH_SECRET,
        "payment_url": simulator.payment_url,
        "api_url": simulator.api_url,
        "order_type": "billpayment",
        "timeout_seconds": 5,
        **overrides,
    }


@dataclass
class Canned:
    """A server on loopback that records requests and answers ``answers.pop(0)`` (the last
    answer stays): ``(status, JSON-able or bytes)``, or ``"sleep"`` to never answer in time."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    answers: list[Any] = field(default_factory=lambda: [(200, {})])
    release: threading.Event = field(default_factory=threading.Event)

    def answer(self) -> Any:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def _canned_handler(canned: Canned) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self, body: bytes) -> None:
            canned.requests.append({"method": self.command, "path": self.path, "body": body})
            answer = canned.answer()
            if answer == "sleep":
                canned.release.wait(10)
                return
            status, payload = answer
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            self._serve(b"")

        def do_POST(self) -> None:  # noqa: N802
            self._serve(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def canned() -> Iterator[Canned]:
    canned = Canned()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _canned_handler(canned))
    server.daemon_threads = True
    canned.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield canned
    finally:
        canned.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def sieuapp_plugins() -> list[str]:
    return ["vnpay"]


@pytest.fixture
def configured(configure_plugin: Any, gateway: Simulator) -> Simulator:
    """The plugin set up for the simulated VNPay (which notifies no IPN)."""
    response = configure_plugin(gateway_config(gateway))
    assert response.status_code == 200, response.get_json()
    return gateway


@dataclass
class Started:
    """A payment the province asked a citizen for, which the citizen chose to pay with VNPay."""

    id: str
    amount: int
    redirect_url: str


def start(
    admin_client: Any,
    citizen_client: Any,
    amount: int = 150_000,
    return_url: str | None = "/app/payments/done",
) -> Started:
    """Through the platform's payments API, as the province's console and the app do."""
    payer = citizen_client.get("/api/v1/me").get_json()["id"]
    made = admin_client.post(
        "/api/v1/payments",
        json={
            "amount": amount,
            "purpose": {"vi": "Lệ phí đổi giấy phép lái xe", "en": "Driving licence renewal"},
            "payee": "ubnd-hue",
            "payer_id": payer,
        },
        headers={"Idempotency-Key": secrets.token_hex(8)},
    )
    assert made.status_code == 201, made.get_json()
    payment_id = made.get_json()["id"]
    checkout = citizen_client.post(
        f"/api/v1/payments/{payment_id}/checkout",
        json={"provider": "vnpay", "return_url": return_url},
        headers={"Idempotency-Key": secrets.token_hex(8), "Accept-Language": "vi"},
    )
    assert checkout.status_code == 200, checkout.get_json()
    assert checkout.get_json()["payment"]["status"] == "processing"
    return Started(payment_id, amount, checkout.get_json()["redirect_url"])


def open_at_gateway(started: Started) -> requests.Response:
    """The payer's browser follows the redirect to VNPay's page."""
    page = requests.get(started.redirect_url, timeout=5)
    assert page.status_code == 200 and "Error.html" not in page.url, page.url
    return page


@pytest.fixture
def app_url(sieuapp_server_url: str) -> str:
    """The platform over real HTTP on loopback, for VNPay's server-to-server calls."""
    return sieuapp_server_url


@pytest.fixture
def live_gateway(app_url: str, configure_plugin: Any) -> Iterator[Simulator]:
    """The simulated VNPay calling the platform's IPN over HTTP, and the plugin set up for it."""
    with Simulator(
        TMN_CODE,
        HASH_SECRET,
        ipn_url=f"{app_url}/m/vnpay/ipn",
        ipn_retries=2,
        ipn_retry_interval=0.05,
    ) as simulator:
        response = configure_plugin(gateway_config(simulator))
        assert response.status_code == 200, response.get_json()
        yield simulator
