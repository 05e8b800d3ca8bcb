"""``sieuapp demo``: Huế with its real wards, communes and agencies, the demo accounts, every
plugin that loads switched on; made once, reused after, and served like ``sieuapp serve``."""

from __future__ import annotations

import stat
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import Result
from sieuapp.core.db import make_engine
from sieuapp.core.demo.accounts import DEMO_ACCOUNTS, markdown_table
from sieuapp.core.identity import accounts
from sieuapp.core.plugins.synthetic import plugin_source, write_distribution
from sieuapp.core.tenancy.seed import HUE_ORGANIZATIONS
from sieuapp.sdk import Role
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from .support import Server, child_env, free_port, invoke, serving, sieuapp_command

NEEDS_CONFIG = textwrap.dedent(
    """
    from marshmallow import Schema, fields
    from sieuapp.sdk import Manifest, hookimpl, text

    class Config(Schema):
        api_url = fields.Url(required=True)

    @hookimpl
    def manifest():
        return Manifest(
            id="needy",
            name=text("Cần cấu hình", "Needs settings"),
            description=text("Cần địa chỉ API", "Needs an API address"),
            sdk_api=">=1.0,<2",
            config_schema=Config,
        )
    """
)

START_DEADLINE = 120.0


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site"
    write_distribution(site, "plain", plugin_source("plain", roles=("citizen",)))
    write_distribution(site, "needy", NEEDS_CONFIG)
    write_distribution(site, "broken", "raise ImportError('no module named upstream_sdk')\n")
    monkeypatch.syspath_prepend(str(site))
    return site


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "demo data"


@pytest.fixture
def demo(tmp_path: Path, site: Path, data_dir: Path) -> Callable[..., Result]:
    """``demo(*extra, plugins=...)`` prepares the instance in ``data_dir`` without serving."""
    env = {
        # The demo is SQLite in its data folder whatever the environment names.
        "SIEUAPP_DATABASE_URL": "postgresql+psycopg://nobody:x@127.0.0.1:1/elsewhere",
        "SIEUAPP_TASK_BACKEND": "celery",
        "SIEUAPP_INSTANCE_PATH": str(tmp_path / "not-this-one"),
    }

    def run(*extra: str, plugins: str = "plain,needy,broken", code: int = 0) -> Result:
        args = ["demo", "--data-dir", str(data_dir), "--no-serve", *extra]
        return invoke(args, {**env, "SIEUAPP_PLUGINS": plugins}, code)

    return run


@pytest.fixture
def engine(data_dir: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{data_dir / 'sieuapp.sqlite3'}")
    yield engine
    engine.dispose()


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as connection:
        return connection.execute(text(sql), params).scalar()


def counts(engine: Engine) -> dict[str, int]:
    return {
        table: scalar(engine, f"SELECT count(*) FROM {table}")
        for table in (
            "tenants",
            "administrative_units",
            "organizations",
            "users",
            "role_assignments",
        )
    }


def password_hashes(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT username, password_hash FROM users"))
        return {username: digest for username, digest in rows}


def modules(engine: Engine) -> dict[str, bool]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT plugin_id, enabled FROM module_states"))
        return {plugin_id: bool(enabled) for plugin_id, enabled in rows}


def test_demo_creates_hue_with_its_communes_agencies_accounts_and_modules(
    demo: Callable[..., Result], engine: Engine, data_dir: Path, tmp_path: Path
) -> None:
    out = demo().output
    assert "sieuapp demo: Huế (đã tạo / created)" in out
    for account in DEMO_ACCOUNTS:
        assert f"  {account.username:<10} {account.password:<20} " in out
    for url in ("http://127.0.0.1:8000/", "/api/docs", "/api/v1/modules"):
        assert url in out
    assert "Modules enabled: plain" in out
    assert (
        "installed but off: needy: The configuration of 'needy' is invalid. "
        "api_url: Missing data for required field." in out
    )
    assert "failed to load: broken: import of 'sieuapp_synthetic_broken' failed: ImportError" in out

    assert (data_dir / "sieuapp.sqlite3").is_file()
    assert not (tmp_path / "not-this-one").exists()
    assert stat.S_IMODE((data_dir / "secret_key").stat().st_mode) == 0o600

    assert scalar(engine, "SELECT province_code FROM tenants WHERE slug = 'hue'") == 46
    assert scalar(engine, "SELECT count(*) FROM administrative_units") == 40
    assert scalar(engine, "SELECT count(*) FROM organizations WHERE kind = 'commune'") == 40
    # The demo adds a second taxi firm to the seeded organizations.
    assert scalar(engine, "SELECT count(*) FROM organizations") == 40 + len(HUE_ORGANIZATIONS) + 1
    # Every commune's committee governs a real unit and reports to the city's committee.
    assert (
        scalar(
            engine,
            "SELECT count(*) FROM organizations o "
            "JOIN administrative_units u ON u.code = o.unit_code AND u.tenant_id = o.tenant_id "
            "JOIN organizations p ON p.id = o.parent_id AND p.code = 'ubnd-hue' "
            "WHERE o.kind = 'commune'",
        )
        == 40
    )
    assert modules(engine) == {"plain": True, "needy": False}

    with Session(engine) as session:
        for account in DEMO_ACCOUNTS:
            user = accounts.authenticate(session, account.username, account.password)
            assert user is not None, account.username
            assert user.password_hash.startswith("$argon2")
            assert accounts.authenticate(session, account.username, "wrong-password") is None
            held = session.execute(
                text(
                    "SELECT r.role, o.code FROM role_assignments r "
                    "LEFT JOIN organizations o ON o.id = r.organization_id WHERE r.user_id = :u"
                ),
                {"u": user.id},
            ).all()
            expected = (
                [] if account.role == Role.CITIZEN else [(account.role.value, account.organization)]
            )
            assert [tuple(r) for r in held] == expected, account.username


def test_a_second_run_reuses_the_instance_and_respects_the_operators_choices(
    demo: Callable[..., Result], engine: Engine, data_dir: Path, site: Path
) -> None:
    demo()
    before = counts(engine)
    hashes = password_hashes(engine)
    secret = (data_dir / "secret_key").read_text()

    # The operator switches plain off; a new plugin appears.
    invoke(
        ["plugins", "disable", "plain", "--tenant", "hue"],
        {
            "SIEUAPP_INSTANCE_PATH": str(data_dir),
            "SIEUAPP_DATABASE_URL": "",
            "SIEUAPP_PLUGINS": "plain,needy",
        },
    )
    write_distribution(site, "fresh", plugin_source("fresh"))

    out = demo(plugins="plain,needy,broken,fresh").output
    assert "sieuapp demo: Huế (dùng lại / reused)" in out
    assert "Modules enabled: fresh" in out
    assert counts(engine) == before
    assert modules(engine) == {"plain": False, "needy": False, "fresh": True}
    assert password_hashes(engine) == hashes
    assert (data_dir / "secret_key").read_text() == secret


def test_demo_refuses_a_data_dir_that_is_a_file(tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    result = invoke(["demo", "--data-dir", str(a_file), "--no-serve"], {}, code=2)
    assert "is a file" in result.output


def test_the_readme_lists_the_demo_accounts_of_the_code() -> None:
    readme = Path(__file__).resolve().parents[2] / "README.md"
    if not readme.exists():
        pytest.skip("no README.md at the workspace root yet")
    content = readme.read_text()
    missing = [
        f"{a.username} / {a.password}"
        for a in DEMO_ACCOUNTS
        if a.username not in content or a.password not in content
    ]
    assert not missing, f"README.md lacks demo accounts; the table to paste:\n{markdown_table()}"


# -- the real thing: the README's command, served --------------------------------------------


@pytest.fixture
def served_demo(tmp_path: Path, data_dir: Path) -> Iterator[Server]:
    """``sieuapp demo`` in its own process, with the plugins installed in this environment."""
    port = free_port()
    command = sieuapp_command("demo", "--port", str(port), "--data-dir", str(data_dir))
    with serving(
        "demo",
        command,
        port=port,
        env=child_env(),
        cwd=tmp_path,
        log=tmp_path / "demo.log",
        within=START_DEADLINE,
    ) as server:
        yield server


@pytest.mark.slow
def test_the_demo_serves_hue_and_every_demo_account_signs_in(served_demo: Server) -> None:
    base = served_demo.base
    banner = served_demo.output()
    for account in DEMO_ACCOUNTS:
        assert account.password in banner

    tokens = {}
    for account in DEMO_ACCOUNTS:
        login = requests.post(
            f"{base}/api/v1/auth/login",
            json={"username": account.username, "password": account.password},
            timeout=30,
        )
        assert login.status_code == 200, (account.username, login.text)
        tokens[account.username] = login.json()["access_token"]
        me = requests.get(
            f"{base}/api/v1/me",
            headers={"Authorization": f"Bearer {tokens[account.username]}"},
            timeout=30,
        )
        assert me.status_code == 200
        assert me.json()["tenant"] == "hue"
        assert account.role.value in me.json()["roles"]

    wrong = requests.post(
        f"{base}/api/v1/auth/login", json={"username": "admin", "password": "admin"}, timeout=30
    )
    assert wrong.status_code == 401 and wrong.json()["code"] == "unauthorized"

    plugins = requests.get(
        f"{base}/api/v1/admin/plugins",
        headers={"Authorization": f"Bearer {tokens['admin']}"},
        timeout=30,
    ).json()["plugins"]
    for plugin in plugins:
        if plugin["status"] == "loaded":
            assert plugin["state"] is not None, f"{plugin['id']} was not installed"

    listing = requests.get(
        f"{base}/api/v1/modules",
        headers={"Authorization": f"Bearer {tokens['citizen']}"},
        timeout=30,
    )
    assert listing.status_code == 200 and listing.json()["tenant"] == "hue"
    enabled = {p["id"] for p in plugins if p["state"] and p["state"]["enabled"]}
    citizen_sees = {p["id"] for p in plugins if set(p.get("roles", ())) & {"citizen", "anonymous"}}
    assert {m["id"] for m in listing.json()["modules"]} == enabled & citizen_sees

    # The taxi module, set up through its own API: two firms with fares, a driver each.
    citizen = {"Authorization": f"Bearer {tokens['citizen']}"}
    taxi = requests.get(f"{base}/m/taxi/", headers=citizen, timeout=30).json()
    assert [f["code"] for f in taxi["firms"]] == ["mai-linh-hue", "thanh-cong-hue"]
    estimate = requests.post(
        f"{base}/m/taxi/estimate",
        json={
            "pickup": {"lat": 16.4677, "lon": 107.579},
            "dropoff": {"lat": 16.4563, "lon": 107.578},
        },
        headers=citizen,
        timeout=30,
    ).json()
    assert {o["firm"] for o in estimate["options"]} == {"mai-linh-hue", "thanh-cong-hue"}
    driver = requests.get(
        f"{base}/m/taxi/driver", headers={"Authorization": f"Bearer {tokens['taixe1']}"}, timeout=30
    ).json()
    assert (driver["firm"], driver["status"]) == ("mai-linh-hue", "offline")

    docs = requests.get(f"{base}/api/docs", timeout=30)
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    units = requests.get(f"{base}/api/v1/tenant/units", timeout=30)
    assert len(units.json()) == 40
