"""Where outbox messages run: in this process (embedded default) or on Celery workers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger("sieuapp.tasks")

RunOne = Callable[[str], str]


class InlineBackend:
    """Runs messages on a small thread pool in this process, and sweeps for due retries."""

    name = "inline"

    def __init__(self, run_one: RunOne, due: Callable[[], list[str]]) -> None:
        self._run_one = run_one
        self._due = due
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sieuapp-task")
        self._stop = threading.Event()
        self._pump: threading.Thread | None = None

    def dispatch(self, ids: Iterable[str]) -> None:
        for message_id in ids:
            self._pool.submit(self._safe_run, message_id)

    def _safe_run(self, message_id: str) -> None:
        try:
            self._run_one(message_id)
        except Exception:  # noqa: BLE001 - logged; the sweep retries it
            log.exception("outbox message %s could not be run", message_id)

    def drain(self, rounds: int = 20) -> int:
        """Run every due message now, in this thread; returns how many ran."""
        ran = 0
        for _ in range(rounds):
            ids = self._due()
            if not ids:
                break
            for message_id in ids:
                self._run_one(message_id)
                ran += 1
        return ran

    def start_pump(self, interval: float = 2.0) -> None:
        """Sweep for due messages (retries, delayed tasks, dispatches lost in a crash)."""
        if self._pump is not None:
            return

        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    self.dispatch(self._due())
                except Exception:  # noqa: BLE001
                    log.exception("outbox sweep failed")

        self._pump = threading.Thread(target=loop, name="sieuapp-outbox-pump", daemon=True)
        self._pump.start()

    def shutdown(self) -> None:
        self._stop.set()
        self._pool.shutdown(wait=True)


class CeleryBackend:
    """Sends message ids to Celery; the worker runs ``sieuapp.run_outbox_message``."""

    name = "celery"

    def __init__(self, celery_app: object) -> None:
        self.celery = celery_app

    def dispatch(self, ids: Iterable[str]) -> None:
        for message_id in ids:
            try:
                self.celery.send_task("sieuapp.run_outbox_message", args=[message_id])  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001 - the row stays pending; the beat sweep sends it again
                log.exception("could not send outbox message %s to the broker", message_id)

    def shutdown(self) -> None:
        return None
