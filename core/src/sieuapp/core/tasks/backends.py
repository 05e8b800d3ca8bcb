"""Where outbox messages run: in this process (embedded default) or on Celery workers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait

from .outbox import BUSY, MISSING, WAITING

log = logging.getLogger("sieuapp.tasks")

RunOne = Callable[[str], str]
NOT_RUN = frozenset({BUSY, MISSING, WAITING})


class InlineBackend:
    """Runs messages in this process, and sweeps for due retries once started.

    With ``threads`` (the default) each dispatched message runs on a small thread pool. Without,
    it runs at once in the committing thread: for an in-memory SQLite database, whose single
    connection cannot be used by two threads at a time.
    """

    name = "inline"

    def __init__(
        self,
        run_one: RunOne,
        due: Callable[[], list[str]],
        threads: bool = True,
        periodic: Callable[[], object] | None = None,
    ) -> None:
        self._run_one = run_one
        self._due = due
        #: Runs the periodic jobs that are due (``Runtime.run_due_periodic``), from the pump.
        self._periodic = periodic
        self.threads = threads
        self._pool = (
            ThreadPoolExecutor(max_workers=2, thread_name_prefix="sieuapp-task")
            if threads
            else None
        )
        self._in_flight: set[Future[None]] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._pump: threading.Thread | None = None

    def dispatch(self, ids: Iterable[str]) -> None:
        for message_id in ids:
            if self._pool is None:
                self._safe_run(message_id)
                continue
            try:
                future = self._pool.submit(self._safe_run, message_id)
            except RuntimeError:
                # Shutting down: the row stays pending and the next process's sweep runs it.
                log.warning("outbox message %s not run: the task pool is shut down", message_id)
                continue
            with self._lock:
                self._in_flight.add(future)
            future.add_done_callback(self._forget)

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._in_flight.discard(future)

    def _safe_run(self, message_id: str) -> None:
        try:
            self._run_one(message_id)
        except Exception:  # noqa: BLE001 - logged; the sweep retries it
            log.exception("outbox message %s could not be run", message_id)

    def settle(self, timeout: float = 60.0) -> None:
        """Wait until the messages dispatched so far have run."""
        with self._lock:
            in_flight = set(self._in_flight)
        if not in_flight:
            return
        _, not_done = wait(in_flight, timeout=timeout)
        if not_done:
            raise TimeoutError(f"{len(not_done)} background task(s) still running after {timeout}s")

    def drain(self, rounds: int = 20, timeout: float = 60.0) -> int:
        """Let dispatched work finish, then run every due message in this thread, ``rounds``
        times at most (tasks may queue tasks); returns how many were run here."""
        ran = 0
        for _ in range(rounds):
            self.settle(timeout)
            ids = self._due()
            if not ids:
                break
            for message_id in ids:
                if self._run_one(message_id) not in NOT_RUN:
                    ran += 1
        return ran

    def start(self, interval: float = 2.0) -> None:
        """What a long-running server calls: sweep for retries, delayed tasks and messages
        whose dispatch was lost in a crash, and run the periodic jobs when due."""
        self.start_pump(interval)

    def start_pump(self, interval: float = 2.0) -> None:
        if self._pump is not None:
            return
        if self._pool is None:
            log.warning("no outbox sweep: tasks run in the committing thread (in-memory SQLite)")
            return

        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    self.dispatch(self._due())
                except Exception:  # noqa: BLE001
                    log.exception("outbox sweep failed")
                if self._periodic is not None:
                    try:
                        self._periodic()
                    except Exception:  # noqa: BLE001
                        log.exception("periodic jobs failed")

        self._pump = threading.Thread(target=loop, name="sieuapp-outbox-pump", daemon=True)
        self._pump.start()

    def shutdown(self) -> None:
        self._stop.set()
        if self._pump is not None:
            self._pump.join()
        if self._pool is not None:
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

    def start(self, interval: float = 2.0) -> None:
        """Sweeping is Celery beat's job (``sieuapp.sweep_outbox``)."""

    def shutdown(self) -> None:
        # Closes the broker connections this process opened to send messages.
        self.celery.close()  # type: ignore[attr-defined]
