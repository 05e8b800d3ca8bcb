"""``sieuapp plugin check``: a good plugin passes with a short summary; each way a plugin can be
broken is named on its own line, with the file and line at fault, and exit code 1."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from sieuapp.core.app import SDK_API
from sieuapp.core.cli import main
from sieuapp.core.plugins.synthetic import plugin_source, write_distribution
from sieuapp.core.scaffold import new_plugin


def check(target: str | Path):
    result = CliRunner().invoke(main, ["plugin", "check", str(target)])
    lines = result.stdout.splitlines()
    return result, [
        line.removeprefix("problem: ") for line in lines if line.startswith("problem: ")
    ]


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def edit(path: Path, old: str, new: str) -> None:
    source = path.read_text()
    assert old in source, f"{old!r} not in {path}"
    path.write_text(source.replace(old, new, 1))


def make(tmp_path: Path, plugin_id: str) -> Path:
    return new_plugin(plugin_id, tmp_path).root


def package(root: Path) -> Path:
    return next((root / "src").iterdir())


def test_a_new_plugin_checks_ok(tmp_path):
    root = make(tmp_path, "parking")
    result, problems = check(root)
    assert result.exit_code == 0, result.output
    assert problems == []
    (summary,) = result.stdout.splitlines()
    assert summary.startswith("ok: sieuapp-parking 0.1.0")
    assert "plugin 'parking' (sieuapp-parking 0.1.0) loads with hooks" in summary
    assert "erase_user_data, export_user_data, health, manifest, routes" in summary
    assert f"sdk_api >={SDK_API},<2 includes {SDK_API}" in summary
    assert "6 files, no sieuapp.core import" in summary


def test_an_installed_module_is_found_through_its_entry_point(tmp_path, monkeypatch):
    site = tmp_path / "site"
    module = write_distribution(site, "installed", plugin_source("installed"))
    monkeypatch.syspath_prepend(str(site))
    result, problems = check(module)
    assert result.exit_code == 0, result.output
    assert f"ok: module {module} (sieuapp_synthetic_installed)" in result.stdout
    assert "plugin 'installed'" in result.stdout


def _import_error(root: Path) -> list[str]:
    init = package(root) / "__init__.py"
    edit(init, 'PLUGIN_ID = "', 'raise RuntimeError("no dispatch server")\n\nPLUGIN_ID = "')
    return [
        "plugin 'import_boom': import of 'sieuapp_import_boom' failed: "
        "RuntimeError: no dispatch server "
        f"(raised at {init}:{line_of(init, 'raise RuntimeError')})"
    ]


def _unknown_hook(root: Path) -> list[str]:
    init = package(root) / "__init__.py"
    init.write_text(
        init.read_text() + "\n\n@hookimpl\ndef on_payment(services, amount):\n    return amount\n"
    )
    return [
        "plugin 'unknown_hook': hook 'on_payment': no such hook in the SDK API "
        f"(defined at {init}:{line_of(init, 'def on_payment')} on_payment(services, amount))"
    ]


def _wrong_argument(root: Path) -> list[str]:
    init = package(root) / "__init__.py"
    edit(init, "def health(services: Services)", "def health(services: Services, database: str)")
    return [
        "plugin 'wrong_arg': hook 'health': argument(s) 'database' not in the hook "
        f"specification health(tenant, services) (defined at {init}:{line_of(init, 'def health')}"
    ]


def _bad_manifest(root: Path) -> list[str]:
    edit(package(root) / "__init__.py", 'icon="app"', 'icon="https://cdn.example/icon.png"')
    return [
        "plugin 'bad_manifest': manifest frontend.icon: 'https://cdn.example/icon.png' must be "
        "an icon name or a /path to svg, png, webp"
    ]


def _future_sdk(root: Path) -> list[str]:
    edit(package(root) / "__init__.py", f'sdk_api=">={SDK_API},<2"', 'sdk_api=">=2.0,<3"')
    return [
        "plugin 'future_sdk': manifest sdk_api: the plugin needs SDK API >=2.0,<3, "
        f"this platform implements {SDK_API}"
    ]


def _imports_core(root: Path) -> list[str]:
    views = package(root) / "views.py"
    edit(views, "from . import notes\n", "from . import notes\nfrom sieuapp.core.db import Base\n")
    notes = package(root) / "notes.py"
    edit(notes, "MAX_LENGTH = 500\n", "MAX_LENGTH = 500\nimport sieuapp.core.db as db  # noqa\n")
    tail = "; a plugin uses the platform through sieuapp.sdk only"
    return [
        f"src/sieuapp_imports_core/notes.py:{line_of(notes, 'import sieuapp.core.db')}: "
        f"imports sieuapp.core (import sieuapp.core.db){tail}",
        f"src/sieuapp_imports_core/views.py:{line_of(views, 'from sieuapp.core')}: "
        f"imports sieuapp.core (from sieuapp.core.db import ...){tail}",
    ]


def _id_mismatch(root: Path) -> list[str]:
    edit(package(root) / "__init__.py", 'PLUGIN_ID = "id_mismatch"', 'PLUGIN_ID = "parking"')
    return [
        "plugin 'id_mismatch': manifest id: 'parking' differs from the entry point name "
        "'id_mismatch' in sieuapp-id-mismatch"
    ]


def _routes_not_blueprint(root: Path) -> list[str]:
    init = package(root) / "__init__.py"
    edit(init, "return make_blueprint(services)", "return {'/': 'greeting'}")
    return [
        "plugin 'bad_routes': hook 'routes' returned dict, not a flask.Blueprint "
        f"(defined at {init}:{line_of(init, 'def routes')}"
    ]


def _no_entry_point(root: Path) -> list[str]:
    edit(root / "pyproject.toml", '[project.entry-points."sieuapp.plugins"]', "[tool.unused]")
    return [
        'pyproject.toml: no [project.entry-points."sieuapp.plugins"] table; add a line '
        '`<plugin id> = "<module>"` so the platform can find the plugin'
    ]


def _missing_module(root: Path) -> list[str]:
    edit(root / "pyproject.toml", 'missing_module = "sieuapp_missing_module"', 'x = "sieuapp_x"')
    return ["pyproject.toml: entry point x = 'sieuapp_x': no module 'sieuapp_x' in src/"]


def _depends_on_core(root: Path) -> list[str]:
    edit(root / "pyproject.toml", 'dependencies = ["', 'dependencies = ["sieuapp-core", "')
    return [
        "pyproject.toml: depends on sieuapp-core at run time; a plugin depends on sieuapp-sdk "
        "only (put sieuapp-sdk[testing] in a test extra instead)"
    ]


BROKEN: dict[str, Callable[[Path], list[str]]] = {
    "import_boom": _import_error,
    "unknown_hook": _unknown_hook,
    "wrong_arg": _wrong_argument,
    "bad_manifest": _bad_manifest,
    "future_sdk": _future_sdk,
    "imports_core": _imports_core,
    "id_mismatch": _id_mismatch,
    "bad_routes": _routes_not_blueprint,
    "no_entry_point": _no_entry_point,
    "missing_module": _missing_module,
    "depends_on_core": _depends_on_core,
}


@pytest.mark.parametrize("plugin_id", sorted(BROKEN))
def test_each_problem_is_named_precisely(plugin_id, tmp_path):
    root = make(tmp_path, plugin_id)
    expected = BROKEN[plugin_id](root)
    result, problems = check(root)
    assert result.exit_code == 1, result.output
    assert len(problems) == len(expected), result.output
    for line, wanted in zip(problems, expected, strict=True):
        assert line.startswith(wanted), f"\n{line}\n{wanted}"
    count = len(expected)
    assert result.stdout.splitlines()[-1] == (
        f"{root.name} 0.1.0 ({root}): {count} problem{'s' if count > 1 else ''}"
    )


def test_problems_of_every_kind_are_reported_together(tmp_path):
    root = make(tmp_path, "many")
    edit(root / "pyproject.toml", 'dependencies = ["', 'dependencies = ["sieuapp-core", "')
    views = package(root) / "views.py"
    edit(views, "from . import notes\n", "from . import notes\nfrom sieuapp.core import db\n")
    edit(package(root) / "__init__.py", f'sdk_api=">={SDK_API},<2"', 'sdk_api=">=3"')
    result, problems = check(root)
    assert result.exit_code == 1
    assert [p.split(":", 1)[0] for p in problems] == [
        "pyproject.toml",
        "src/sieuapp_many/views.py",
        "plugin 'many'",
    ]
    assert "SDK API >=3" in problems[2]


def test_a_check_reads_the_folder_not_an_earlier_copy_of_the_module(tmp_path):
    # Two folders with the same module name, checked in one process, each on its own terms.
    good = make(tmp_path / "a", "twin")
    bad = make(tmp_path / "b", "twin")
    edit(package(bad) / "__init__.py", 'icon="app"', 'icon="Not An Icon"')
    assert check(good)[0].exit_code == 0
    assert check(bad)[0].exit_code == 1
    assert check(good)[0].exit_code == 0
    assert "sieuapp_twin" not in sys.modules


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("no/such/folder", "no/such/folder: neither a plugin distribution folder nor an"),
        ("sieuapp_not_installed_anywhere", "module 'sieuapp_not_installed_anywhere' is not "),
        ("json", "no installed distribution registers module 'json' in the entry-point group"),
    ],
)
def test_a_target_that_is_not_a_plugin_is_named(target, expected):
    result, problems = check(target)
    assert result.exit_code == 1
    assert len(problems) == 1 and problems[0].startswith(expected), result.output


def test_a_folder_without_pyproject_is_named(tmp_path):
    result, problems = check(tmp_path)
    assert result.exit_code == 1
    assert problems == [
        f"{tmp_path}: no pyproject.toml; give a plugin distribution folder or a module name"
    ]


def test_a_broken_pyproject_is_named(tmp_path):
    root = make(tmp_path, "toml")
    edit(root / "pyproject.toml", 'version = "0.1.0"', "version = 0.1.0")
    result, problems = check(root)
    assert result.exit_code == 1
    assert len(problems) == 1 and problems[0].startswith("pyproject.toml: not valid TOML: "), (
        problems
    )
