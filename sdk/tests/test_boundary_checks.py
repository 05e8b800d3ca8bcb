"""The checks plugins run to prove they use the SDK only (``sieuapp.sdk.boundary``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sieuapp.sdk.boundary import host_imports, host_references, modules_loading_host


def test_the_scanner_catches_every_form_of_import():
    assert host_references("import sieuapp.core") == [1]
    assert host_references("from sieuapp.core.db import Base") == [1]
    assert host_references("from sieuapp import core") == [1]
    assert host_references("x = 1\nimportlib.import_module('sieuapp.core.db')") == [2]
    assert host_references("from sieuapp.sdk import Services\nimport sieuapp.corefake") == []


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = tmp_path / "leaky_plugin"
    root.mkdir()
    (root / "__init__.py").write_text("from . import clean\n")
    (root / "clean.py").write_text("from sieuapp.sdk import hookimpl\n")
    (root / "leak.py").write_text("import os\nfrom sieuapp.core.db import Base\n")
    (root / "page.html").write_text("{# sieuapp.core #}")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    import leaky_plugin

    yield leaky_plugin
    sys.modules.pop("leaky_plugin", None)
    sys.modules.pop("leaky_plugin.clean", None)


def test_a_plugin_naming_the_host_is_found_by_file_and_line(package):
    assert host_imports(package) == {"leak.py": [2], "page.html": [0]}


def test_importing_every_module_reports_the_host_modules_loaded(package):
    loaded, imported = modules_loading_host("leaky_plugin")
    assert "sieuapp.core.db" in loaded
    assert imported == 2
