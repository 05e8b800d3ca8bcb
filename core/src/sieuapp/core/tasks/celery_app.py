"""The Celery application used when ``SIEUAPP_TASK_BACKEND=celery``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import Celery
from celery.signals import worker_process_init

if TYPE_CHECKING:
    from .._runtime import Runtime

SWEEP_SECONDS = 10.0


def make_celery(runtime: Runtime) -> Celery:
    celery = Celery("sieuapp", broker=runtime.settings.broker_url)
    celery.conf.update(
        task_ignore_result=True,
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        beat_schedule={
            "sieuapp-sweep-outbox": {"task": "sieuapp.sweep_outbox", "schedule": SWEEP_SECONDS},
            # One entry per periodic job, the report deadline sweep among them.
            **{
                f"sieuapp-periodic-{name}": {
                    "task": "sieuapp.run_periodic",
                    "schedule": job.seconds,
                    "args": [name],
                }
                for name, job in runtime.periodic_jobs.items()
            },
        },
    )

    @celery.task(name="sieuapp.run_outbox_message")
    def run_outbox_message(message_id: str) -> str:
        return runtime.run_outbox_message(message_id)

    @celery.task(name="sieuapp.run_periodic")
    def run_periodic(name: str) -> str:
        runtime.run_periodic(name)
        return name

    @celery.task(name="sieuapp.sweep_outbox")
    def sweep_outbox() -> int:
        ids = runtime.due_outbox_ids()
        runtime.task_backend.dispatch(ids)
        return len(ids)

    def forget_parent_connections(**_: object) -> None:
        # A prefork child must not share the parent's pooled database sockets.
        runtime.engine.dispose(close=False)

    # Weakly connected and kept by the app, so that apps built in tests can be collected.
    celery.sieuapp_forget_parent_connections = forget_parent_connections  # type: ignore[attr-defined]
    worker_process_init.connect(forget_parent_connections)
    return celery
