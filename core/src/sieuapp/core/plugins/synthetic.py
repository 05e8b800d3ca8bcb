"""Plugins written to a folder as installed distributions, found through the real entry-point
machinery. For tests and benchmarks that need many plugins, or broken ones."""

from __future__ import annotations

import importlib
import sys
import textwrap
from importlib.metadata import EntryPoint, distributions
from pathlib import Path

from ._loader import ENTRY_POINT_GROUP


def plugin_source(
    plugin_id: str,
    roles: tuple[str, ...] = ("anonymous",),
    sdk_api: str = ">=1.0,<2",
    extra: str = "",
) -> str:
    """A small valid plugin with a ``/hello`` route; ``extra`` is appended to the module."""
    return textwrap.dedent(
        f"""
        from flask import Blueprint, jsonify
        from sieuapp.sdk import FrontendEntry, Manifest, Scope, hookimpl, text

        @hookimpl
        def manifest():
            return Manifest(
                id={plugin_id!r},
                name=text("Dịch vụ {plugin_id}", "Service {plugin_id}"),
                description=text("Mô tả {plugin_id}", "About {plugin_id}"),
                sdk_api={sdk_api!r},
                scopes=(Scope("profile", text("Để chào bạn", "To greet you")),),
                frontend=FrontendEntry(route="/hello", icon="app", category="other"),
                roles={roles!r},
            )

        @hookimpl
        def routes(services):
            bp = Blueprint({plugin_id!r}, __name__)

            @bp.get("/hello")
            def hello():
                return jsonify(greeting="xin chào", plugin={plugin_id!r})

            return bp
        """
    ) + textwrap.dedent(extra)


def write_distribution(
    root: Path, plugin_id: str, source: str, version: str = "1.0.0", entry_name: str | None = None
) -> str:
    """Write ``source`` as module ``sieuapp_synthetic_<id>`` of distribution
    ``sieuapp-synthetic-<id>``, registered under ``entry_name`` (default: the id)."""
    root.mkdir(parents=True, exist_ok=True)
    module = f"sieuapp_synthetic_{plugin_id}"
    (root / f"{module}.py").write_text(source)
    # Another test may have imported a module of this name from its own folder: the next
    # import must read this source, not return the cached module.
    sys.modules.pop(module, None)
    dist_name = f"sieuapp_synthetic_{plugin_id}"
    info = root / f"{dist_name}-{version}.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist_name}\nVersion: {version}\n"
    )
    (info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\n{entry_name or plugin_id} = {module}\n"
    )
    return module


def entry_points_in(root: Path) -> list[EntryPoint]:
    """The plugin entry points of the distributions in ``root``, importable from now on."""
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    found = []
    for dist in distributions(path=[str(root)]):
        found.extend(ep for ep in dist.entry_points if ep.group == ENTRY_POINT_GROUP)
    return sorted(found, key=lambda ep: ep.name)
