"""Finding imports of ``sieuapp.core`` in a plugin's source: a plugin that reaches into the
host breaks with any core release, so it must talk to the platform through ``sieuapp.sdk``."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

FORBIDDEN = "sieuapp.core"
# Folders that hold someone else's code or build output, never the plugin's own source.
SKIPPED = {"__pycache__", "build", "dist", "node_modules", "site-packages"}


def _forbidden(module: str) -> bool:
    return module == FORBIDDEN or module.startswith(FORBIDDEN + ".")


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


def _offences(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _forbidden(alias.name):
                    yield node.lineno, f"import {alias.name}"
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if _forbidden(node.module):
                yield node.lineno, f"from {node.module} import ..."
            elif node.module == "sieuapp" and any(a.name == "core" for a in node.names):
                yield node.lineno, "from sieuapp import core"
        elif isinstance(node, ast.Call) and node.args:
            # importlib.import_module("sieuapp.core...") and __import__("sieuapp.core...").
            name = node.func.attr if isinstance(node.func, ast.Attribute) else None
            name = node.func.id if isinstance(node.func, ast.Name) else name
            first = node.args[0]
            if (
                name in {"import_module", "__import__"}
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and _forbidden(first.value)
            ):
                yield node.lineno, f"{name}({first.value!r})"


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
        for line, what in sorted(set(_offences(tree))):
            problems.append(
                f"{shown}:{line}: imports sieuapp.core ({what}); "
                "a plugin uses the platform through sieuapp.sdk only"
            )
    return problems
