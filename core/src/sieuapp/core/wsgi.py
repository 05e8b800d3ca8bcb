"""The WSGI application for a server of your choice, configured by ``SIEUAPP_*`` variables:

    sieuapp db upgrade
    gunicorn -k gthread --workers 4 --threads 4 --bind 0.0.0.0:8000 'sieuapp.core.wsgi:app'

Each worker imports this module and builds its own app (do not use ``--preload``: database
connections and the inline backend's threads must not cross the fork). Set
``SIEUAPP_SECRET_KEY``, or each worker signs with a key of its own."""

from __future__ import annotations

from .app import create_app

app = create_app()

_backend = app.extensions["sieuapp"].task_backend
if getattr(_backend, "name", None) == "inline":
    # Retries and delayed tasks are swept by this worker's own thread.
    _backend.start_pump()
