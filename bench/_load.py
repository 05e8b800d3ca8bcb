"""The time to load plugins, measured in a fresh interpreter so that each plugin is imported
for the first time, as in a new server worker.

``python -m bench._load PLUGIN_DIR INSTANCE_DIR ID...`` prints one JSON object (seconds):
``none``: ``create_app`` without plugins; ``with``: ``create_app`` discovering the plugins
through their entry points; ``discover`` and ``start``: the plugin host's two phases alone
(entry points + import + validation; startup + mounting), timed after the first two."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from flask import Flask


def _close(app: Flask) -> None:
    runtime = app.extensions["sieuapp"]
    runtime.task_backend.shutdown()
    runtime.engine.dispose()


def _forget(ids: list[str]) -> None:
    """Drop the plugins' modules so that the next load imports them again."""
    for plugin_id in ids:
        sys.modules.pop(f"sieuapp_synthetic_{plugin_id}", None)


def measure(plugin_dir: Path, instance: Path, ids: list[str]) -> dict[str, Any]:
    from sieuapp.core import create_app
    from sieuapp.core.app import SDK_API
    from sieuapp.core.plugins._host import PluginHost

    from ._fixture import ensure_importable, platform_settings

    ensure_importable(plugin_dir)
    settings = platform_settings(instance, f"sqlite:///{instance / 'load.sqlite3'}", ids)

    # The core's own first-call costs (lazy imports, Flask and flask-smorest set-up) once.
    _close(create_app(entry_points=[], **settings))

    def bare_time() -> float:
        started = time.perf_counter()
        bare = create_app(entry_points=[], **settings)
        elapsed = time.perf_counter() - started
        _close(bare)
        return elapsed

    before = bare_time()

    started = time.perf_counter()
    full = create_app(**settings)  # entry_points=None: real discovery, limited to ``ids``
    with_plugins = time.perf_counter() - started
    loaded = sorted(r.id for r in full.extensions["sieuapp"].host.loaded())
    failed = {r.id: r.problems for r in full.extensions["sieuapp"].host.records.values()}
    _close(full)
    if loaded != sorted(ids):
        raise SystemExit(f"expected {len(ids)} plugins loaded, got {len(loaded)}: {failed}")
    # The baseline timed on each side of the load, the faster kept: a single sample of ~100 ms
    # jitters by more than fifty small plugins cost.
    none = min(before, bare_time())

    _forget(ids)
    app = create_app(entry_points=[], **settings)
    host = PluginHost(app.extensions["sieuapp"], SDK_API)
    started = time.perf_counter()
    host.discover()
    discovered = time.perf_counter()
    host.start(app)
    finished = time.perf_counter()
    mounted = sum(1 for r in host.loaded() if r.blueprint is not None)
    _close(app)
    if mounted != len(ids):
        raise SystemExit(f"expected {len(ids)} plugins mounted by the host, got {mounted}")
    return {
        "none": none,
        "with": with_plugins,
        "discover": discovered - started,
        "start": finished - discovered,
    }


def main(argv: list[str]) -> None:
    plugin_dir, instance, *ids = argv
    print(json.dumps(measure(Path(plugin_dir), Path(instance), ids)))


if __name__ == "__main__":
    main(sys.argv[1:])
