"""Real HTTP on loopback: both apps served by gunicorn (one gthread worker, keep-alive) and
driven by one keep-alive client making sequential requests."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(factory: str, env: dict[str, str], log: Path) -> Iterator[int]:
    """Serve ``bench._serve:<factory>()`` with gunicorn; yields the port once it answers."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--worker-class",
        "gthread",
        "--threads",
        "2",
        "--keep-alive",
        "75",
        "--log-level",
        "warning",
        f"bench._serve:{factory}()",
    ]
    with log.open("wb") as out:
        server = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            _wait(server, port, log)
            yield port
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait(server: subprocess.Popen[bytes], port: int, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not listen on port {port} within {timeout:.0f}s")


class Client:
    """One keep-alive connection; every response is read to the end and checked."""

    def __init__(self, port: int, host_header: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Host": host_header}

    def get(self, path: str) -> tuple[int, bytes]:
        self.connection.request("GET", path, headers=self.headers)
        response = self.connection.getresponse()
        body = response.read()
        if response.will_close:
            raise RuntimeError(f"the server closed the connection after GET {path}")
        return response.status, body

    def close(self) -> None:
        self.connection.close()

    def requester(self, path: str) -> Callable[[], None]:
        def request() -> None:
            status, _body = self.get(path)
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status} during the benchmark")

        return request
