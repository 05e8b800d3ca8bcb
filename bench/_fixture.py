"""What the benchmarks run against: 50 synthetic plugin distributions in a temporary folder,
a platform on a file database with all of them installed and enabled, and bare Flask apps
answering the same bytes."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, jsonify
from sieuapp.core.plugins.synthetic import entry_points_in, plugin_source, write_distribution
from sieuapp.core.testing import BASE_DOMAIN, TENANT, Platform

PLUGIN_COUNT = 50
#: The plugin whose route is measured; every synthetic plugin has the same ``/hello`` view.
ROUTE_PLUGIN = "bench_00"
ROUTE_PATH = f"/m/{ROUTE_PLUGIN}/hello"
MODULES_PATH = "/api/v1/modules"
HOST = f"{TENANT}.{BASE_DOMAIN}"
SECRET = "bench-secret"


def plugin_ids(count: int = PLUGIN_COUNT) -> list[str]:
    return [f"bench_{i:02d}" for i in range(count)]


def write_plugins(root: Path, ids: list[str]) -> None:
    """Write one installed distribution per id, found through the ``sieuapp.plugins`` group."""
    for plugin_id in ids:
        write_distribution(root, plugin_id, plugin_source(plugin_id))
    # Importable and visible to importlib.metadata from now on, as an installed package is.
    entry_points_in(root)


def platform_settings(instance: Path, database_url: str, ids: list[str]) -> dict[str, object]:
    """The settings both the in-process platform and the served one use."""
    return {
        "instance_path": instance,
        "database_url": database_url,
        "base_domain": BASE_DOMAIN,
        "default_tenant": TENANT,
        "task_backend": "inline",
        "secret_key": SECRET,
        "plugins": tuple(ids),
        # Explicit, so that SIEUAPP_* variables of the shell running the benchmark change nothing.
        "debug": False,
        "plugin_failure_limit": 5,
    }


def make_platform(instance: Path, database_url: str, ids: list[str]) -> Platform:
    """Migrate, seed Huế and install and enable every plugin (discovered via entry points)."""
    settings = platform_settings(instance, database_url, ids)
    settings.pop("plugins")
    return Platform.create(plugins=ids, **settings)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Bodies:
    route: bytes
    modules: bytes


def baseline_app(bodies: Bodies) -> Flask:
    """Bare Flask: the plugin's view (same jsonify call, same JSON settings) and a route
    returning the discovery document's bytes; nothing else."""
    app = Flask("bench_baseline", static_folder=None)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # as the platform's app

    @app.get(ROUTE_PATH)
    def hello() -> Response:
        return jsonify(greeting="xin chào", plugin=ROUTE_PLUGIN)

    @app.get(MODULES_PATH)
    def modules() -> Response:
        return Response(bodies.modules, mimetype="application/json")

    return app


def ensure_importable(root: Path) -> None:
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
