"""One webhook request: resolve the host, refuse what the URL policy refuses, connect to the
very address that was checked, POST, and never follow a redirect.

Connecting to the checked address (rather than letting an HTTP library resolve the name again)
closes the gap a DNS answer that changes between check and connection would open; TLS still
verifies the certificate against the host name. ``http.client`` is used for that control, and
because it follows no redirect and reads no proxy from the environment."""

from __future__ import annotations

import email.utils
import http.client
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from .urls import Address, address_refused, literal_address, url_problems

#: What is read of an answer: receivers should answer briefly, and we keep none of it.
READ_MAX = 64 * 1024
ERROR_MAX = 500


@dataclass(frozen=True)
class Answer:
    """What came of one request: the HTTP status, or why there was none."""

    status: int | None
    error: str | None
    #: Seconds the receiver asked us to wait (``Retry-After``), when it did.
    retry_after: float | None
    duration_ms: int

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        try:
            # The certificate is checked against the URL's host, not the address we dialled.
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]
        except BaseException:
            sock.close()
            raise


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _addresses(host: str, port: int) -> list[Address]:
    literal = literal_address(host)
    if literal is not None:
        return [literal]
    found: list[Address] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = literal_address(str(sockaddr[0]).split("%", 1)[0])
        if address is not None and address not in found:
            found.append(address)
    return found


def post(
    url: str, body: bytes, headers: Mapping[str, str], timeout: float, allow_local: bool
) -> Answer:
    """POST ``body`` to ``url``; never raises for what the network or the receiver does."""
    started = time.monotonic()

    def done(status: int | None, error: str | None, retry_after: float | None = None) -> Answer:
        elapsed = int((time.monotonic() - started) * 1000)
        return Answer(status, error[:ERROR_MAX] if error else None, retry_after, elapsed)

    problems = url_problems(url, allow_local)
    if problems:
        return done(None, f"blocked: {problems[0]}")
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        addresses = _addresses(host, port)
    except (socket.gaierror, UnicodeError) as exc:
        return done(None, f"the host name could not be resolved ({exc.__class__.__name__})")
    if not addresses:
        return done(None, "the host name resolves to no address")
    for address in addresses:
        # One refused address refuses the name: which one we would reach is the resolver's choice.
        refused = address_refused(address, allow_local)
        if refused is not None:
            return done(None, f"blocked: the host resolves to {refused}")
    kind = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    error = "no address answered"
    for address in addresses:
        connection = kind(host, port, str(address), timeout)
        try:
            connection.request("POST", path, body=body, headers=dict(headers))
            response = connection.getresponse()
            response.read(READ_MAX)
            return done(response.status, None, _retry_after(response.getheader("Retry-After")))
        except TimeoutError:
            return done(None, f"no answer within {timeout:g} seconds")
        except ssl.SSLError as exc:
            return done(None, f"TLS failed: {exc.reason or exc.__class__.__name__}")
        except ConnectionRefusedError:
            error = "connection refused"
        except http.client.HTTPException as exc:
            return done(None, f"not a valid HTTP answer ({exc.__class__.__name__})")
        except OSError as exc:
            error = f"connection failed: {exc.strerror or exc.__class__.__name__}"
        finally:
            connection.close()
    return done(None, error)
