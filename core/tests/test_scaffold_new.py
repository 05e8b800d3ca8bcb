"""``sieuapp plugin new``: the id is checked by the SDK's rule, nothing is overwritten, and the
distribution written is lint-clean, depends on the SDK only and works on a real platform."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from sieuapp.core.cli import main
from sieuapp.core.identity.models import Consent
from sieuapp.core.scaffold import new_plugin
from sieuapp.core.scaffold.imports import core_imports, source_files
from sieuapp.core.scaffold.target import locate
from sieuapp.core.tenancy.context import current_tenant
from sieuapp.sdk import API_VERSION, Erasure


def run_new(*args: str):
    return CliRunner().invoke(main, ["plugin", "new", *args])


def all_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    "name", ["Taxi", "1taxi", "t", "taxi-booking", "taxi booking", "x" * 32, "sieuapp.core", ""]
)
def test_an_invalid_id_is_refused_with_the_sdk_rule_and_nothing_written(name, tmp_path):
    result = run_new(name, "--path", str(tmp_path))
    assert result.exit_code == 1, result.output
    assert "is not a valid plugin id" in result.stderr
    assert "NAME: " in result.stderr
    assert "must be 2-31 characters of a-z, 0-9 and _, starting with a letter" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_never_overwritten(tmp_path):
    assert run_new("parking", "--path", str(tmp_path)).exit_code == 0
    root = tmp_path / "sieuapp-parking"
    (root / "src" / "sieuapp_parking" / "__init__.py").write_text("# the partner's own work\n")
    before = all_files(root)
    again = run_new("parking", "--path", str(tmp_path), "--company", "Other")
    assert again.exit_code == 1
    assert "already exists" in again.stderr
    assert "path: " in again.stderr
    assert all_files(root) == before
    # No staging folder is left behind either.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sieuapp-parking"]


def test_a_company_name_must_fit_on_one_line(tmp_path):
    result = run_new("parking", "--path", str(tmp_path), "--company", "Huế\nCo")
    assert result.exit_code == 1
    assert "--company: " in result.stderr
    assert list(tmp_path.iterdir()) == []


def make_workspace(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "ws"\nversion = "0"\n\n'
        '[tool.uv.workspace]\nmembers = ["sdk", "core", "plugins/*"]\n'
    )
    (root / "plugins").mkdir()
    return root


def test_at_the_workspace_root_the_plugin_goes_to_plugins(tmp_path, monkeypatch):
    workspace = make_workspace(tmp_path / "ws")
    monkeypatch.chdir(workspace)
    result = run_new("parking")
    assert result.exit_code == 0, result.output
    root = workspace / "plugins" / "parking"
    assert (root / "pyproject.toml").is_file()
    assert "uv sync --all-packages" in result.output
    # --path to the workspace's plugins folder keeps the same layout.
    assert run_new("taxi", "--path", "plugins").exit_code == 0
    assert (workspace / "plugins" / "taxi" / "pyproject.toml").is_file()


def test_elsewhere_the_plugin_is_its_own_distribution_folder(tmp_path, monkeypatch):
    somewhere = tmp_path / "partner"
    somewhere.mkdir()
    monkeypatch.chdir(somewhere)
    result = run_new("parking")
    assert result.exit_code == 0, result.output
    assert (somewhere / "sieuapp-parking" / "pyproject.toml").is_file()
    assert run_new("taxi", "--path", "repos").exit_code == 0
    assert (somewhere / "repos" / "sieuapp-taxi" / "src" / "sieuapp_taxi").is_dir()


# The longest id the SDK allows and a company name that needs escaping in every file.
LONG_ID = "a" + "b" * 29 + "z"
AWKWARD_COMPANY = 'Công ty "Huế" \\ Mai Linh & Co'


def test_the_distribution_depends_on_the_sdk_only(tmp_path):
    created = new_plugin("parking", tmp_path, AWKWARD_COMPANY)
    project = tomllib.loads((created.root / "pyproject.toml").read_text())["project"]
    major = int(API_VERSION.split(".")[0])
    sdk = f">={API_VERSION},<{major + 1}"
    assert project["name"] == "sieuapp-parking"
    assert project["version"] == "0.1.0"
    assert project["dependencies"] == [f"sieuapp-sdk{sdk}"]
    assert project["optional-dependencies"]["test"] == [f"sieuapp-sdk[testing]{sdk}", "pytest>=8"]
    assert project["entry-points"]["sieuapp.plugins"] == {"parking": "sieuapp_parking"}
    assert project["authors"] == [{"name": AWKWARD_COMPANY}]
    build = tomllib.loads((created.root / "pyproject.toml").read_text())["build-system"]
    assert build["build-backend"] == "hatchling.build"
    assert AWKWARD_COMPANY in (created.root / "README.md").read_text()


def test_generated_code_is_lint_clean_and_never_imports_core(tmp_path):
    created = new_plugin(LONG_ID, tmp_path, AWKWARD_COMPANY)
    files = source_files(created.root)
    assert {f.relative_to(created.root).as_posix() for f in files} == {
        f"src/sieuapp_{LONG_ID}/__init__.py",
        f"src/sieuapp_{LONG_ID}/config.py",
        f"src/sieuapp_{LONG_ID}/notes.py",
        f"src/sieuapp_{LONG_ID}/views.py",
        "tests/conftest.py",
        f"tests/test_{LONG_ID}.py",
    }
    assert core_imports(files) == []
    # ruff reads the generated pyproject's own settings, as it would in the partner's repo.
    for command in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        lint = subprocess.run(
            [sys.executable, "-m", "ruff", *command],
            cwd=created.root,
            capture_output=True,
            text=True,
            check=False,
        )
        assert lint.returncode == 0, lint.stdout + lint.stderr


@pytest.fixture
def generated(tmp_path):
    """The generated plugin ``parking`` importable from its folder, not installed."""
    created = new_plugin("parking", tmp_path / "src")
    target = locate(str(created.root))
    assert target.problems == []
    with target.importable():
        yield target
    target.close()


def module_ids(client, language: str = "vi") -> list[str]:
    response = client.get("/api/v1/modules", headers={"Accept-Language": language})
    assert response.status_code == 200, response.json
    return [m["id"] for m in response.json["modules"]]


def test_once_installed_and_enabled_it_shows_in_the_module_list(generated, make_platform):
    platform = make_platform(plugins=[], entry_points=generated.entry_points)
    admin = platform.client("province_admin")
    citizen = platform.client("citizen")
    assert module_ids(citizen) == []
    assert citizen.get("/m/parking/").status_code == 404

    assert admin.post("/api/v1/admin/plugins/parking/install").status_code == 200
    assert module_ids(citizen) == []
    assert citizen.get("/m/parking/").status_code == 404

    assert admin.post("/api/v1/admin/plugins/parking/enable").status_code == 200
    response = citizen.get("/api/v1/modules", headers={"Accept-Language": "en"})
    assert response.json["modules"] == [
        {
            "id": "parking",
            "name": "Parking service",
            "description": "Greets the signed-in user and keeps a short note for them.",
            "version": "0.1.0",
            "icon": "app",
            "category": "other",
            "entry_url": "/m/parking/",
            "scopes": [{"name": "profile", "purpose": "To greet you by name."}],
        }
    ]
    assert module_ids(citizen, "vi") == ["parking"]
    assert citizen.get("/m/parking/").status_code == 200
    # Citizens only, as its manifest says.
    assert module_ids(platform.client()) == []


def test_the_greeting_uses_the_name_only_with_consent(generated, make_platform):
    platform = make_platform(plugins=["parking"], entry_points=generated.entry_points)
    citizen = platform.client("citizen")
    assert citizen.get("/m/parking/").json["name"] is None
    user = platform.users["citizen"]
    with platform.context() as session:
        tenant_id = current_tenant().id
        grant = Consent(user_id=user.id, tenant_id=tenant_id, plugin_id="parking", scopes="profile")
        session.add(grant)
    body = citizen.get("/m/parking/").json
    assert body["scopes"] == ["profile"]
    assert body["name"] == user.full_name
    assert body["greeting"] == f"Xin chào, {user.full_name}!"


def test_a_users_note_is_exported_and_erased_through_the_hooks(generated, make_platform):
    platform = make_platform(plugins=["parking"], entry_points=generated.entry_points)
    citizen = platform.client("citizen")
    user_id = platform.users["citizen"].id
    assert citizen.put("/m/parking/note", json={"text": "Bãi đỗ xe Đông Ba"}).status_code == 200
    host = platform.runtime.host

    def call(hook: str):
        with platform.context():
            tenant = current_tenant()
            return host.call("parking", hook, tenant.id, user_id=user_id, tenant=tenant.info())

    assert call("export_user_data") == {"note": "Bãi đỗ xe Đông Ba"}
    assert call("erase_user_data") == Erasure(erased=["1 ghi chú (1 note)"])
    assert call("export_user_data") == {}
    assert call("erase_user_data") == Erasure(erased=[])
    assert citizen.get("/m/parking/note").status_code == 404
