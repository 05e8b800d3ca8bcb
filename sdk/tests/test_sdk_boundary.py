"""The SDK is the contract: it must not depend on the host it is implemented by."""

from __future__ import annotations

import ast
from pathlib import Path

import sieuapp.sdk

SDK_ROOT = Path(sieuapp.sdk.__file__).parent


def test_sdk_never_imports_core_at_module_level():
    offenders = []
    for path in SDK_ROOT.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in tree.body:  # module level only: testing.py imports core lazily, on use
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}:{node.lineno}" for n in names if n.startswith("sieuapp.core")
            ]
    assert offenders == []


def test_public_api_is_explicit():
    for name in sieuapp.sdk.__all__:
        assert hasattr(sieuapp.sdk, name), name
