"""The plugin is written against the SDK only: no ``sieuapp.core`` anywhere in its sources,
and importing all of it does not load the host."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import sieuapp_hotlines

SOURCES = Path(sieuapp_hotlines.__file__).parent
FORBIDDEN = "sieuapp.core"


def core_references(source: str, filename: str = "<source>") -> list[int]:
    """Lines that import the host, statically or by name (``importlib.import_module``)."""
    lines = []
    for node in ast.walk(ast.parse(source, filename)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = [module] + [f"{module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value]
        if any(n == FORBIDDEN or n.startswith(FORBIDDEN + ".") for n in names):
            lines.append(node.lineno)
    return lines


def test_the_scanner_catches_every_form_of_import():
    assert core_references("import sieuapp.core") == [1]
    assert core_references("from sieuapp.core.db import Base") == [1]
    assert core_references("from sieuapp import core") == [1]
    assert core_references("x = 1\nimportlib.import_module('sieuapp.core.db')") == [2]
    assert core_references("from sieuapp.sdk import Services\nimport sieuapp.corefake") == []


def test_no_source_file_imports_the_host():
    files = [*SOURCES.rglob("*.py")]
    assert {p.name for p in files} >= {"hooks.py", "views.py", "hotlines_0001_favorites.py"}
    offenders = {
        str(path.relative_to(SOURCES)): lines
        for path in files
        if (lines := core_references(path.read_text(encoding="utf-8"), str(path)))
    }
    assert offenders == {}
    for template in SOURCES.rglob("*.html"):
        assert FORBIDDEN not in template.read_text(encoding="utf-8")


def test_importing_every_module_does_not_load_the_host():
    program = (
        "import importlib, pkgutil, sys\n"
        "import sieuapp_hotlines as p\n"
        "for m in pkgutil.walk_packages(p.__path__, p.__name__ + '.'):\n"
        "    importlib.import_module(m.name)\n"
        "loaded = sorted(n for n in sys.modules if n.startswith('sieuapp.core'))\n"
        "assert not loaded, loaded\n"
        "print(len([n for n in sys.modules if n.startswith('sieuapp_hotlines.')]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 8  # every module was really imported
