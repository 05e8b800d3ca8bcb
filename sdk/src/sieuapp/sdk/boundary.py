"""Checks that a plugin is written against the SDK only, for the plugin's own tests: a partner's
plugin that imports the host works today and breaks on the host's next release."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

HOST = "sieuapp.core"
#: Files besides Python that may name a module (templates, scripts).
TEXT_SUFFIXES = (".html", ".js", ".txt", ".jinja", ".j2")


def _host(module: str) -> bool:
    return module == HOST or module.startswith(HOST + ".")


def offences(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Each import of the host in a parsed module: its line and how it is written."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _host(alias.name):
                    yield node.lineno, f"import {alias.name}"
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if _host(node.module):
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
                and _host(first.value)
            ):
                yield node.lineno, f"{name}({first.value!r})"


def host_references(source: str, filename: str = "<source>") -> list[int]:
    """The lines of ``source`` that import the host."""
    return sorted({line for line, _ in offences(ast.parse(source, filename))})


def host_imports(package: ModuleType) -> dict[str, list[int]]:
    """Every file of ``package`` that names the host, with the lines (0 for a text file)."""
    root = Path(package.__file__ or "").parent
    found = host_imports_in(root, package.__name__)
    for path in sorted(p for p in root.rglob("*") if p.suffix in TEXT_SUFFIXES):
        if HOST in path.read_text(encoding="utf-8"):
            found[str(path.relative_to(root))] = [0]
    return found


def host_imports_in(root: Path, name: str | None = None) -> dict[str, list[int]]:
    """Every ``.py`` file under ``root`` (a package, or a plugin's tests, which drive the
    platform through the SDK's fixtures and HTTP as a partner's do) that imports the host,
    with the lines."""
    sources = sorted(root.rglob("*.py"))
    if not sources:
        raise ValueError(f"{name or root}: no Python file under {root}")
    return {
        str(path.relative_to(root)): lines
        for path in sources
        if (lines := host_references(path.read_text(encoding="utf-8"), str(path)))
    }


def modules_loading_host(package: str) -> tuple[list[str], int]:
    """Import every module of ``package`` in a fresh interpreter: the host modules that got
    loaded, and how many of the package's modules were imported."""
    program = (
        "import importlib, pkgutil, sys\n"
        f"import {package} as p\n"
        "for m in pkgutil.walk_packages(p.__path__, p.__name__ + '.'):\n"
        "    importlib.import_module(m.name)\n"
        f"print(','.join(sorted(n for n in sys.modules if n.startswith({HOST!r}))))\n"
        f"print(len([n for n in sys.modules if n.startswith({package + '.'!r})]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"importing {package}'s modules failed:\n{result.stderr}")
    loaded, count = result.stdout.splitlines()[-2:]
    return [n for n in loaded.split(",") if n], int(count)
