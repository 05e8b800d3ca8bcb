"""``sieuapp plugin new``: where a new plugin goes, and writing it there."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from ..plugins._loader import ENTRY_POINT_GROUP
from .naming import PluginNames, id_problems
from .render import ScaffoldError, write_plugin

DEFAULT_COMPANY = "Your company"


@dataclass(frozen=True)
class Created:
    names: PluginNames
    root: Path
    files: list[Path]
    #: Whether the plugin landed in a sieuapp workspace's ``plugins/`` folder.
    in_workspace: bool
    #: Installed distributions that already register this plugin id.
    clashes: list[str]


def is_workspace_root(folder: Path) -> bool:
    """A uv workspace whose members include ``plugins/*``: the sieuapp repository layout."""
    pyproject = folder / "pyproject.toml"
    if not pyproject.is_file():
        return False
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    members = data.get("tool", {}).get("uv", {}).get("workspace", {}).get("members", [])
    return isinstance(members, list) and "plugins/*" in members


def destination(names: PluginNames, path: Path | None, cwd: Path) -> tuple[Path, bool]:
    """The plugin's folder, and whether it is a workspace member.

    In the workspace the layout is ``plugins/<id>/`` like every first-party plugin; anywhere
    else it is ``sieuapp-<id>/``, the partner's own repository."""
    if path is None:
        parent = cwd / "plugins" if is_workspace_root(cwd) else cwd
    else:
        parent = path if path.is_absolute() else cwd / path
    parent = parent.resolve()
    in_workspace = parent.name == "plugins" and is_workspace_root(parent.parent)
    return parent / (names.id if in_workspace else names.distribution), in_workspace


def _clashes(plugin_id: str) -> list[str]:
    return sorted(
        {
            ep.dist.name if ep.dist else "?"
            for ep in entry_points(group=ENTRY_POINT_GROUP)
            if ep.name == plugin_id
        }
    )


def new_plugin(
    plugin_id: str, path: Path | None = None, company: str | None = None, cwd: Path | None = None
) -> Created:
    """Write a new plugin distribution; raises ``ScaffoldError`` naming the field at fault."""
    problems = id_problems(plugin_id)
    if problems:
        raise ScaffoldError(
            f"'{plugin_id}' không dùng được làm mã plugin / is not a valid plugin id.",
            {"NAME": problems},
        )
    company = (company or DEFAULT_COMPANY).strip()
    if not company or any(ch in company for ch in "\r\n"):
        raise ScaffoldError(
            "Tên công ty không hợp lệ / Invalid company name.",
            {"--company": ["Give a company name on one line."]},
        )
    names = PluginNames(plugin_id, company)
    root, in_workspace = destination(names, path, cwd or Path.cwd())
    files = write_plugin(names, root)
    return Created(names, root, files, in_workspace, _clashes(plugin_id))
