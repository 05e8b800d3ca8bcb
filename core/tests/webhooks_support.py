"""What the webhook tests share: a real HTTP receiver on loopback that records every request
and answers as a test scripts it, the event types the tests publish, and shortcuts to publish,
run what is due and read the rows."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sieuapp.core.tasks.models import OutboxMessage
from sieuapp.core.testing import Platform
from sieuapp.core.webhooks import publish, register_event_type
from sieuapp.core.webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from sieuapp.sdk import text
from sqlalchemy import func, select

from .reports_support import org_id, tenant_id

#: Event types of the tests' own, so that no test depends on what payments registers.
PAID = "webhook_test.paid"
REFUNDED = "webhook_test.refunded"
register_event_type(PAID, text("Đã thanh toán (thử)", "Paid (test)"))
register_event_type(REFUNDED, text("Đã hoàn tiền (thử)", "Refunded (test)"))

PARTNER_ORG = "mai-linh-hue"
OTHER_PARTNER_ORG = "vnpt-hue"
MODELS = (WebhookEndpoint, WebhookEvent, WebhookDelivery, WebhookAttempt, OutboxMessage)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A partner's back-end: records each request, answers the next scripted status (200 once
    the script is used up), with the scripted headers of that answer."""

    base: str = ""
    requests: list[Received] = field(default_factory=list)
    answers: list[int | tuple[int, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/hooks/sieuapp") -> str:
        return self.base + path

    def next_answer(self) -> tuple[int, dict[str, str]]:
        with self.lock:
            answer = self.answers.pop(0) if self.answers else 200
        return answer if isinstance(answer, tuple) else (answer, {})


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with receiver.lock:
                receiver.requests.append(
                    Received(
                        self.command,
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                    )
                )
            status, headers = receiver.next_answer()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        do_POST = _record
        do_GET = _record

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test reads ``receiver.requests``."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def settle(platform: Platform) -> None:
    """Wait for the tasks dispatched so far (a thread pool on PostgreSQL, at once on SQLite)."""
    platform.runtime.task_backend.settle()


def publish_event(
    platform: Platform,
    data: dict[str, Any],
    event_type: str = PAID,
    org: str = PARTNER_ORG,
    **kwargs: Any,
) -> str:
    """Publish in a transaction of its own, committed, and wait for the first attempts."""
    with platform.context() as session:
        event_id = publish(
            session, tenant_id(session), org_id(session, org), event_type, data, **kwargs
        )
    settle(platform)
    return event_id


def run_due(platform: Platform) -> object:
    """The periodic sweep, as the pump or Celery beat runs it."""
    result = platform.runtime.run_periodic("webhooks.deliver_due")
    settle(platform)
    return result


def rows(platform: Platform, model: Any, *where: Any) -> list[Any]:
    """The rows of ``model`` matching ``where``, in the order of their primary key."""
    settle(platform)
    with platform.context() as session:
        query = select(model).where(*where).order_by(*model.__table__.primary_key.columns)
        found = list(session.scalars(query))
        session.expunge_all()
        return found


def counts(platform: Platform) -> dict[str, int]:
    """Rows of every webhook table and of the outbox."""
    with platform.context() as session:
        return {
            model.__tablename__: int(session.scalar(select(func.count()).select_from(model)))
            for model in MODELS
        }


def create_endpoint(client: Any, url: str, **body: Any) -> dict[str, Any]:
    """Register an endpoint through the API; the answer, with its one-time secret."""
    body.setdefault("event_types", [PAID])
    answer = client.post("/api/v1/webhooks/endpoints", json={"url": url, **body})
    assert answer.status_code == 201, answer.json
    return answer.json
