"""The plugin is written against the SDK only: no ``sieuapp.core`` anywhere in its sources,
and importing all of it does not load the host."""

from __future__ import annotations

from pathlib import Path

import sieuapp_taxi
from sieuapp.sdk.boundary import host_imports, host_imports_in, modules_loading_host


def test_no_source_file_imports_the_host():
    assert host_imports(sieuapp_taxi) == {}


def test_importing_every_module_does_not_load_the_host():
    loaded, imported = modules_loading_host("sieuapp_taxi")
    assert loaded == []
    assert imported >= 18


def test_the_tests_use_the_platform_as_a_partner_would():
    assert host_imports_in(Path(__file__).parent) == {}
