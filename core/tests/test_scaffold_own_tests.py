"""The promise of ``sieuapp plugin new``: the distribution it writes, built and installed like
any package, passes its own tests at once, in a separate process, through the SDK's pytest
plugin. The workspace's environment is never changed: the plugin is installed into a folder
of its own that the test process puts on its path."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from email.parser import Parser
from pathlib import Path

import pytest
from click.testing import CliRunner
from sieuapp.core.app import SDK_API
from sieuapp.core.cli import main

pytestmark = pytest.mark.slow


def uv() -> str:
    found = os.environ.get("UV") or shutil.which("uv")
    assert found, "uv is needed to build and install the generated plugin"
    return found


def install(plugin: Path, target: Path) -> None:
    """Build the plugin's wheel with its own build backend and install it into ``target``."""
    command = [uv(), "pip", "install", "--no-deps", "--target", str(target), str(plugin)]
    env = {**os.environ, "UV_NO_PROGRESS": "1"}
    # The build backend (hatchling) is in uv's cache after the workspace's own sync; fetch it
    # from the index only when it is not.
    done = subprocess.run([*command, "--offline"], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        done = subprocess.run(command, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout + done.stderr


def run_pytest(plugin: Path, site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH")]))
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=plugin,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_a_new_plugin_passes_its_own_tests_once_installed(tmp_path):
    result = CliRunner().invoke(
        main, ["plugin", "new", "parking", "--path", str(tmp_path), "--company", "Công ty Huế"]
    )
    assert result.exit_code == 0, result.output
    plugin = tmp_path / "sieuapp-parking"
    site = tmp_path / "site"
    install(plugin, site)

    # Installed as pip would: metadata from the generated pyproject, entry point included.
    info = site / "sieuapp_parking-0.1.0.dist-info"
    metadata = Parser().parsestr((info / "METADATA").read_text())
    runtime = [r for r in metadata.get_all("Requires-Dist") if "extra ==" not in r]
    assert [re.sub(r"\s", "", r) for r in runtime] in (
        [f"sieuapp-sdk<2,>={SDK_API}"],
        [f"sieuapp-sdk>={SDK_API},<2"],
    )
    assert "[sieuapp.plugins]\nparking = sieuapp_parking" in (info / "entry_points.txt").read_text()
    # The tests below must import the installed copy, not the source folder.
    shutil.rmtree(plugin / "src")

    done = run_pytest(plugin, site)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    defined = (plugin / "tests" / "test_parking.py").read_text().count("\ndef test_")
    assert re.search(rf"\b{defined} passed\b", output), output

    # And they catch a broken plugin: a secret field that forgot it is secret leaks.
    config = site / "sieuapp_parking" / "config.py"
    config.write_text(config.read_text().replace("**SECRET, ", ""))
    broken = run_pytest(plugin, site, "-k", "secret")
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "1 failed" in broken.stdout, broken.stdout
