"""Writing a new plugin distribution from the templates shipped in this package."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from .naming import PluginNames

TEMPLATE_SUFFIX = ".tmpl"
# ``{{name}}`` inserts a value as it is; ``{{name|py}}`` and ``{{name|toml}}`` as a string
# literal of that language, so a company called ``"Huế" & Co`` cannot break the file.
PLACEHOLDER = re.compile(r"\{\{(\w+)(?:\|(py|toml))?\}\}")


class ScaffoldError(Exception):
    """A refusal to write: what is wrong, and with which field."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


def _literal(value: str, language: str | None) -> str:
    if language is None:
        return value
    # A JSON string is both a valid Python literal and a valid TOML basic string.
    return json.dumps(value, ensure_ascii=False)


def render(template: str, values: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name, language = match.group(1), match.group(2)
        if name not in values:
            raise KeyError(f"template placeholder {{{{{name}}}}} has no value")
        return _literal(values[name], language)

    return PLACEHOLDER.sub(replace, template)


def _templates(
    root: Traversable, prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], str]]:
    found = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            if entry.name != "__pycache__":
                found.extend(_templates(entry, (*prefix, entry.name)))
        elif entry.name.endswith(TEMPLATE_SUFFIX):
            found.append(((*prefix, entry.name), entry.read_text(encoding="utf-8")))
    return found


def _target_name(part: str, values: dict[str, str]) -> str:
    # Folder and file names carry ``__name__`` placeholders, as templates cannot hold ``{{}}``
    # in paths portably.
    name = part.removesuffix(TEMPLATE_SUFFIX)
    for key, value in values.items():
        name = name.replace(f"__{key}__", value)
    return name


def write_plugin(names: PluginNames, destination: Path) -> list[Path]:
    """Write the distribution into ``destination`` (which must not exist); returns the files.

    Everything is written into a temporary sibling first and moved into place at the end, so a
    failure leaves no half-written plugin behind."""
    if destination.exists():
        raise ScaffoldError(
            f"{destination} đã tồn tại / already exists; sieuapp never overwrites a folder.",
            {"path": [f"{destination} exists: choose another --path or another name."]},
        )
    parent = destination.parent
    parent.mkdir(parents=True, exist_ok=True)
    values = names.values()
    written = []
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}-", dir=parent))
    try:
        for parts, template in _templates(files(__package__).joinpath("template")):
            relative = Path(*(_target_name(p, values) for p in parts))
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(render(template, values), encoding="utf-8")
            written.append(destination / relative)
        staging.rename(destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written
