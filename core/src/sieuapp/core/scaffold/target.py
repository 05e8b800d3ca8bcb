"""What ``sieuapp plugin check`` is pointed at: a distribution folder or an installed module,
turned into entry points the platform's loader takes, and the source files to scan."""

from __future__ import annotations

import importlib
import importlib.util
import re
import shutil
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.machinery import PathFinder
from importlib.metadata import EntryPoint, PackageNotFoundError, distributions, entry_points
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from ..plugins._loader import ENTRY_POINT_GROUP

MODULE_PATH = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
ENTRY_POINTS_TABLE = f'[project.entry-points."{ENTRY_POINT_GROUP}"]'


@dataclass
class Target:
    #: How the report names what was checked.
    label: str
    #: Paths in problems are shown relative to this folder.
    root: Path | None = None
    #: Folders or files whose ``.py`` files are scanned for ``sieuapp.core`` imports.
    scan: list[Path] = field(default_factory=list)
    entry_points: list[EntryPoint] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: Put first on ``sys.path`` while loading, so the folder's code is what gets imported.
    source_root: Path | None = None
    #: Top-level modules imported from ``source_root``, forgotten again after the check.
    modules: set[str] = field(default_factory=set)
    _metadata_dir: Path | None = None

    @contextmanager
    def importable(self) -> Iterator[None]:
        """The folder's modules importable, and no copy of them imported earlier in this
        process in the way; everything as it was afterwards."""
        saved_path = list(sys.path)
        saved = {name: mod for name, mod in sys.modules.items() if self._ours(name)}
        for name in saved:
            del sys.modules[name]
        if self.source_root is not None:
            sys.path.insert(0, str(self.source_root))
        importlib.invalidate_caches()
        try:
            yield
        finally:
            for name in [n for n in sys.modules if self._ours(n)]:
                del sys.modules[name]
            sys.modules.update(saved)
            sys.path[:] = saved_path
            importlib.invalidate_caches()

    def _ours(self, module: str) -> bool:
        return module.split(".", 1)[0] in self.modules

    def close(self) -> None:
        if self._metadata_dir is not None:
            shutil.rmtree(self._metadata_dir, ignore_errors=True)
            self._metadata_dir = None


def locate(spec: str, cwd: Path | None = None) -> Target:
    """A folder with a pyproject.toml, else an importable module name."""
    path = Path(spec)
    if not path.is_absolute():
        path = (cwd or Path.cwd()) / path
    if path.is_dir():
        return from_folder(path.resolve())
    if MODULE_PATH.match(spec):
        return from_module(spec)
    return Target(
        label=spec,
        problems=[f"{spec}: neither a plugin distribution folder nor an importable module name"],
    )


# -- a distribution folder -----------------------------------------------------------------


def _read_pyproject(folder: Path, target: Target) -> dict[str, Any] | None:
    pyproject = folder / "pyproject.toml"
    if not pyproject.is_file():
        target.problems.append(
            f"{folder}: no pyproject.toml; give a plugin distribution folder or a module name"
        )
        return None
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        target.problems.append(f"pyproject.toml: not valid TOML: {exc}")
        return None
    project = data.get("project")
    if not isinstance(project, dict) or not isinstance(project.get("name"), str):
        target.problems.append("pyproject.toml: needs a [project] table with a name")
        return None
    return project


def _dependency_problems(project: dict[str, Any]) -> list[str]:
    names = set()
    problems = []
    for raw in project.get("dependencies", []) or []:
        try:
            names.add(canonicalize_name(Requirement(str(raw)).name))
        except InvalidRequirement as exc:
            problems.append(f"pyproject.toml: dependency {raw!r} is not valid: {exc}")
    if "sieuapp-core" in names:
        problems.append(
            "pyproject.toml: depends on sieuapp-core at run time; a plugin depends on "
            "sieuapp-sdk only (put sieuapp-sdk[testing] in a test extra instead)"
        )
    if "sieuapp-sdk" not in names:
        problems.append("pyproject.toml: [project] dependencies must include sieuapp-sdk")
    return problems


def _version(project: dict[str, Any]) -> str:
    version = project.get("version")
    if isinstance(version, str):
        return version
    try:  # a dynamic version is known once the distribution is installed
        return installed_version(project["name"])
    except PackageNotFoundError:
        return "0"


def from_folder(folder: Path) -> Target:
    target = Target(label=str(folder), root=folder, scan=[folder])
    project = _read_pyproject(folder, target)
    if project is None:
        return target
    name, version = project["name"], _version(project)
    target.label = f"{name} {version} ({folder})"
    target.problems.extend(_dependency_problems(project))
    declared = (project.get("entry-points") or {}).get(ENTRY_POINT_GROUP)
    if not isinstance(declared, dict) or not declared:
        target.problems.append(
            f"pyproject.toml: no {ENTRY_POINTS_TABLE} table; add a line `<plugin id> = "
            '"<module>"` so the platform can find the plugin'
        )
        return target
    source_root = folder / "src" if (folder / "src").is_dir() else folder
    target.source_root = source_root
    shown_root = source_root.relative_to(folder).as_posix() if source_root != folder else "."
    usable: dict[str, str] = {}
    for plugin_id, value in declared.items():
        where = f"pyproject.toml: entry point {plugin_id} = {value!r}"
        module = value.split(":", 1)[0].strip() if isinstance(value, str) else ""
        if not MODULE_PATH.match(module):
            target.problems.append(f"{where}: the value must name a module, like 'sieuapp_x'")
            continue
        top = module.split(".", 1)[0]
        if PathFinder.find_spec(top, [str(source_root)]) is None:
            target.problems.append(f"{where}: no module '{top}' in {shown_root}/")
            continue
        target.modules.add(top)
        usable[plugin_id] = value
    if usable:
        target.entry_points = _entry_points(target, name, version, usable)
    return target


def _entry_points(
    target: Target, name: str, version: str, declared: dict[str, str]
) -> list[EntryPoint]:
    """Entry points with their distribution, as installing the folder would register them,
    from metadata written to a temporary folder: the real entry-point machinery, no install."""
    target._metadata_dir = Path(tempfile.mkdtemp(prefix="sieuapp-check-"))
    info = target._metadata_dir / f"{canonicalize_name(name).replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    lines = "".join(f"{key} = {value}\n" for key, value in declared.items())
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{lines}")
    found = []
    for dist in distributions(path=[str(target._metadata_dir)]):
        found.extend(ep for ep in dist.entry_points if ep.group == ENTRY_POINT_GROUP)
    return sorted(found, key=lambda ep: ep.name)


# -- an installed module -------------------------------------------------------------------


def from_module(module: str) -> Target:
    target = Target(label=f"module {module}")
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError) as exc:
        target.problems.append(f"module '{module}' is not importable: {type(exc).__name__}: {exc}")
        return target
    if spec is None:
        target.problems.append(f"module '{module}' is not importable (not found on sys.path)")
        return target
    if spec.submodule_search_locations:
        target.scan = [Path(p) for p in spec.submodule_search_locations]
        target.root = target.scan[0].parent
    elif spec.origin and spec.origin.endswith(".py"):
        target.scan = [Path(spec.origin)]
        target.root = target.scan[0].parent
    target.entry_points = sorted(
        (ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.module == module),
        key=lambda ep: ep.name,
    )
    if not target.entry_points:
        target.problems.append(
            f"no installed distribution registers module '{module}' in the entry-point group "
            f"'{ENTRY_POINT_GROUP}': add {ENTRY_POINTS_TABLE} `<plugin id> = \"{module}\"` to "
            "its pyproject.toml and install it again"
        )
    else:
        dists = sorted({ep.dist.name for ep in target.entry_points if ep.dist})
        target.label = f"module {module} ({', '.join(dists)})"
    return target
