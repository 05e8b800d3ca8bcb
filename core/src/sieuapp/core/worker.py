"""Celery entry point: ``celery -A sieuapp.core.worker worker --beat``."""

from . import create_app

flask_app = create_app(task_backend="celery")
celery = flask_app.extensions["sieuapp"].celery
