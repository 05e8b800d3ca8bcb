"""WSGI factories for gunicorn, so that the platform and its baseline are served the same way.
Configured through the environment the benchmark sets for the server process."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from ._fixture import Bodies, baseline_app, ensure_importable, platform_settings


def sieuapp_app() -> Flask:
    from sieuapp.core import create_app

    plugin_dir = Path(os.environ["BENCH_PLUGIN_DIR"])
    ensure_importable(plugin_dir)
    ids = os.environ["BENCH_PLUGINS"].split(",")
    instance = Path(os.environ["BENCH_INSTANCE"])
    return create_app(**platform_settings(instance, os.environ["BENCH_DATABASE_URL"], ids))


def bare_app() -> Flask:
    body = Path(os.environ["BENCH_MODULES_BODY"]).read_bytes()
    return baseline_app(Bodies(route=b"", modules=body))
