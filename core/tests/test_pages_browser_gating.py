"""The root conftest's ``browser`` service: browser tests are skipped without a Chromium, fail
when ``SIEUAPP_REQUIRE_SERVICES`` requires one, and get the executable to launch otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT_CONFTEST = Path(__file__).resolve().parents[2] / "conftest.py"

SUITE = """
import pytest


@pytest.mark.browser
def test_marked():
    pass


def test_asks_for_chromium(chromium_path):
    print("CHROMIUM=" + chromium_path)


def test_needs_nothing():
    pass
"""


def run(tmp_path: Path, path: str, **env: str) -> tuple[int, str]:
    (tmp_path / "conftest.py").write_text(ROOT_CONFTEST.read_text())
    (tmp_path / "test_suite.py").write_text(SUITE)
    (tmp_path / "pytest.ini").write_text(
        textwrap.dedent(
            """
            [pytest]
            addopts = --strict-markers -p no:cacheprovider
            markers =
                postgres: needs PostgreSQL
                redis: needs Redis
                browser: needs Chromium
            """
        )
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIEUAPP_")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-rA", "-s"],
        cwd=tmp_path,
        env={**clean, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PATH": path, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode, result.stdout + result.stderr


@pytest.fixture
def empty_path(tmp_path: Path) -> str:
    """A PATH with no chromium on it."""
    folder = tmp_path / "bin"
    folder.mkdir()
    return str(folder)


def test_without_chromium_browser_tests_are_skipped(tmp_path: Path, empty_path: str) -> None:
    code, output = run(tmp_path, empty_path)
    assert code == 0, output
    assert "PASSED test_suite.py::test_needs_nothing" in output
    skipped = [line for line in output.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == 2
    assert all("no chromium on PATH and SIEUAPP_TEST_CHROMIUM is not set" in s for s in skipped)
    assert "2 skipped" in output


def test_a_missing_executable_is_named(tmp_path: Path, empty_path: str) -> None:
    code, output = run(tmp_path, empty_path, SIEUAPP_TEST_CHROMIUM=str(tmp_path / "nowhere"))
    assert code == 0, output
    assert "nowhere' is not an executable file" in output


@pytest.mark.parametrize("required", ["browser", "1", "redis,browser"])
def test_required_and_missing_fails(tmp_path: Path, empty_path: str, required: str) -> None:
    code, output = run(tmp_path, empty_path, SIEUAPP_REQUIRE_SERVICES=required)
    assert code == 1, output
    # A failure in setup: pytest reports it as an error.
    assert "ERROR test_suite.py::test_marked" in output
    assert "SIEUAPP_REQUIRE_SERVICES requires browser" in output


def test_a_configured_chromium_is_handed_to_the_tests(tmp_path: Path, empty_path: str) -> None:
    # The gate checks that the file is executable; any executable stands in for Chromium here.
    code, output = run(
        tmp_path,
        empty_path,
        SIEUAPP_TEST_CHROMIUM=sys.executable,
        SIEUAPP_REQUIRE_SERVICES="browser",
    )
    assert code == 0, output
    assert f"CHROMIUM={sys.executable}" in output
    assert "3 passed" in output


def test_chromium_on_path_is_found(tmp_path: Path) -> None:
    folder = tmp_path / "bin"
    folder.mkdir()
    chromium = folder / "chromium"
    chromium.write_text("#!/bin/sh\nexit 0\n")
    chromium.chmod(0o755)
    code, output = run(tmp_path, str(folder))
    assert code == 0, output
    assert f"CHROMIUM={chromium}" in output
