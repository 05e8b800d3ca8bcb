"""The plugin is written against the SDK only: no ``sieuapp.core`` anywhere in its sources,
and importing all of it does not load the host."""

from __future__ import annotations

import sieuapp_mail
from sieuapp.sdk.boundary import host_imports, modules_loading_host


def test_no_source_file_imports_the_host():
    assert host_imports(sieuapp_mail) == {}


def test_importing_every_module_does_not_load_the_host():
    loaded, imported = modules_loading_host("sieuapp_mail")
    assert loaded == []
    assert imported >= 5  # every module was really imported
