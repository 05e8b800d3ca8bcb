"""Finding imports of ``sieuapp.core`` in a plugin's source: a plugin that reaches into the
host breaks with any core release, so it must talk to the platform through ``sieuapp.sdk``."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from sieuapp.sdk.boundary import offences

# Folders that hold someone else's code or build output, never the plugin's own source.
SKIPPED = {"__pycache__", "build", "dist", "node_modules", "site-packages"}


def source_files(root: Path) -> list[Path]:
    """The ``.py`` files of a plugin folder (or the one file), skipping hidden folders (virtual
    environments, tool caches) and build output."""
    if root.is_file():
        return [root]
    found = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts[:-1]
        if any(p.startswith(".") or p in SKIPPED or p.endswith(".egg-info") for p in parts):
            continue
        found.append(path)
    return found


def core_imports(files: Iterable[Path], shown_relative_to: Path | None = None) -> list[str]:
    """One line per import of ``sieuapp.core``: ``file:line: ...``; files that do not parse
    are reported too, since their imports cannot be checked."""
    problems = []
    for path in files:
        shown = path
        if shown_relative_to is not None and path.is_relative_to(shown_relative_to):
            shown = path.relative_to(shown_relative_to)
        try:
            tree = ast.parse(path.read_bytes(), str(path))
        except SyntaxError as exc:
            problems.append(f"{shown}:{exc.lineno or 0}: syntax error: {exc.msg}")
            continue
        except (OSError, ValueError) as exc:
            problems.append(f"{shown}: cannot be read: {exc}")
            continue
        for line, what in sorted(set(offences(tree))):
            problems.append(
                f"{shown}:{line}: imports sieuapp.core ({what}); "
                "a plugin uses the platform through sieuapp.sdk only"
            )
    return problems
