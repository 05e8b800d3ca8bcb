"""``sieuapp tenants`` and ``sieuapp plugins``, run through click against a real database with
plugins found through the entry-point machinery."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sieuapp.core.db import make_engine
from sieuapp.core.plugins.synthetic import plugin_source, write_distribution
from sieuapp.core.tenancy.provinces import wards
from sqlalchemy import Engine, text

from .support import empty_database_url, invoke

CONFIGURED = textwrap.dedent(
    """
    from marshmallow import Schema, fields, validate
    from sieuapp.sdk import SECRET, Manifest, hookimpl, text

    class Config(Schema):
        greeting = fields.String(load_default="xin chào", validate=validate.Length(min=1, max=50))
        limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=100))
        api_key = fields.String(load_default=None, allow_none=True, metadata=SECRET)

    @hookimpl
    def manifest():
        return Manifest(
            id="greeter",
            name=text("Lời chào", "Greeter"),
            description=text("Chào người dân", "Greets citizens"),
            sdk_api=">=1.0,<2",
            config_schema=Config,
        )
    """
)

REFUSES_ENABLE = plugin_source("grumpy") + textwrap.dedent(
    """
    @hookimpl
    def tenant_enabled(tenant, config):
        raise RuntimeError("the upstream service refused the tenant")
    """
)

PLUGINS = "greeter,plain,grumpy,broken"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return empty_database_url(tmp_path / "cli.sqlite3")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> Callable[..., Result]:
    """``cli(*args, code=0)`` runs ``sieuapp args`` and checks its exit code."""
    site = tmp_path / "site"
    write_distribution(site, "greeter", CONFIGURED)
    write_distribution(site, "plain", plugin_source("plain"))
    write_distribution(site, "grumpy", REFUSES_ENABLE)
    write_distribution(site, "broken", "raise RuntimeError('broken at import')\n")
    monkeypatch.syspath_prepend(str(site))
    env = {
        "SIEUAPP_DATABASE_URL": database_url,
        "SIEUAPP_INSTANCE_PATH": str(tmp_path / "instance"),
        "SIEUAPP_PLUGINS": PLUGINS,
        "SIEUAPP_DEFAULT_TENANT": "hue",
        "SIEUAPP_SECRET_KEY": "cli-test",
    }

    def run(*args: str, code: int = 0) -> Result:
        return invoke(args, env, code)

    return run


@pytest.fixture
def hue(cli: Callable[..., Result]) -> Callable[..., Result]:
    cli("db", "upgrade")
    cli("tenants", "create", "hue", "--province", "46")
    return cli


def rows(engine: Engine, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(sql), params)]


def module_state(engine: Engine, plugin_id: str) -> tuple[Any, ...] | None:
    found = rows(
        engine,
        "SELECT enabled, config FROM module_states WHERE plugin_id = :p",
        p=plugin_id,
    )
    if not found:
        return None
    enabled, config = found[0]
    return bool(enabled), config if isinstance(config, dict) else json.loads(config)


def snapshot(engine: Engine) -> tuple[Any, ...]:
    """Everything a refused command must leave as it was."""
    return (
        rows(engine, "SELECT plugin_id, enabled, config FROM module_states ORDER BY plugin_id"),
        rows(engine, "SELECT count(*) FROM audit_log"),
        rows(engine, "SELECT slug, modules_version FROM tenants ORDER BY slug"),
    )


# -- tenants ------------------------------------------------------------------------------


def test_tenants_create_and_list(cli: Callable[..., Result], engine: Engine) -> None:
    cli("db", "upgrade")
    assert "No tenants yet" in cli("tenants", "list").output
    created = cli("tenants", "create", "hue", "--province", "46")
    assert "Created tenant 'hue'" in created.output and "40 wards and communes" in created.output
    cli("tenants", "create", "danang", "--province", "48")

    listing = cli("tenants", "list").output.splitlines()
    assert listing[0].split() == ["slug", "code", "units", "enabled", "name"]
    assert listing[1].split()[:4] == ["danang", "48", str(len(wards(48))), "0"]
    assert listing[2].split()[:4] == ["hue", "46", "40", "0"]
    assert "Thành phố Huế" in listing[2]
    created = "SELECT actor_label, target FROM audit_log WHERE action = 'tenant.created'"
    assert rows(engine, created + " ORDER BY target") == [
        ("cli", "danang"),
        ("cli", "hue"),
    ]


def test_tenants_create_refuses_bad_input_and_changes_nothing(
    cli: Callable[..., Result], engine: Engine
) -> None:
    cli("db", "upgrade")
    cli("tenants", "create", "hue", "--province", "46")
    before = snapshot(engine)

    again = cli("tenants", "create", "hue", "--province", "46", code=1)
    assert "Tenant 'hue' exists already" in again.stderr
    assert "slug: Already used." in again.stderr

    unknown = cli("tenants", "create", "atlantis", "--province", "99", code=1)
    assert "province_code: 99 is not an official province code." in unknown.stderr

    for slug in ("Huế", "h", "hue-", "9hue", "hue.city", "a" * 41):
        bad = cli("tenants", "create", slug, "--province", "46", code=1)
        assert "slug:" in bad.stderr, slug

    missing = cli("tenants", "create", "quangtri", code=2)
    assert "--province" in missing.stderr
    not_a_number = cli("tenants", "create", "quangtri", "--province", "abc", code=2)
    assert "'abc' is not a valid integer" in not_a_number.stderr

    assert snapshot(engine) == before
    assert rows(engine, "SELECT count(*) FROM administrative_units") == [(40,)]


def test_commands_refuse_a_database_without_the_schema(cli: Callable[..., Result]) -> None:
    for args in (["tenants", "list"], ["plugins", "list"], ["plugins", "enable", "plain"]):
        result = cli(*args, code=1)
        assert "run 'sieuapp db upgrade' first" in result.stderr, args


# -- plugins list ----------------------------------------------------------------------------


def test_plugins_list_shows_each_plugin_failed_ones_with_why(hue: Callable[..., Result]) -> None:
    hue("tenants", "create", "danang", "--province", "48")
    hue("plugins", "install", "plain", "--tenant", "hue")
    hue("plugins", "enable", "plain", "--tenant", "hue")
    hue("plugins", "install", "greeter", "--tenant", "danang")

    out = hue("plugins", "list").output
    blocks = {b.split()[0]: b for b in ("\n" + out).split("\n") if b and not b.startswith(" ")}
    assert set(blocks) == {"broken", "greeter", "grumpy", "plain"}
    lines = out.splitlines()
    broken = lines.index(next(line for line in lines if line.startswith("broken")))
    assert lines[broken].split() == ["broken", "1.0.0", "failed"]
    assert (
        "problem: import of 'sieuapp_synthetic_broken' failed: RuntimeError: broken at import"
        in lines[broken + 1]
    )
    plain = lines.index("plain  1.0.0  loaded")
    assert lines[plain + 1 : plain + 3] == ["    danang: not installed", "    hue: enabled, v1.0.0"]
    greeter = lines.index("greeter  1.0.0  loaded")
    assert lines[greeter + 1 : greeter + 3] == [
        "    danang: disabled, v1.0.0",
        "    hue: not installed",
    ]

    data = json.loads(hue("plugins", "list", "--tenant", "hue", "--json").output)
    by_id = {p["id"]: p for p in data["plugins"]}
    assert by_id["plain"]["tenants"] == {
        "hue": {
            "installed": True,
            "enabled": True,
            "installed_version": "1.0.0",
            "failure_count": 0,
            "disabled_reason": None,
        }
    }
    assert by_id["greeter"]["tenants"] == {"hue": {"installed": False, "enabled": False}}
    assert by_id["broken"]["status"] == "failed" and len(by_id["broken"]["problems"]) == 1


def test_plugins_list_names_an_unknown_tenant(hue: Callable[..., Result]) -> None:
    result = hue("plugins", "list", "--tenant", "atlantis", code=1)
    assert "No tenant 'atlantis'" in result.stderr


def test_plugins_list_shows_a_plugin_installed_but_gone(
    hue: Callable[..., Result], engine: Engine
) -> None:
    hue("plugins", "install", "plain")
    with engine.begin() as connection:
        connection.execute(text("UPDATE module_states SET plugin_id = 'vanished'"))
    lines = hue("plugins", "list").output.splitlines()
    gone = lines.index("vanished  ?  missing")
    assert lines[gone + 1] == "    hue: disabled, v1.0.0"


# -- install, enable, disable ----------------------------------------------------------------


def test_install_enable_disable_are_applied_and_audited(
    hue: Callable[..., Result], engine: Engine
) -> None:
    assert "Installed 'plain' 1.0.0 for hue" in hue("plugins", "install", "plain").output
    assert module_state(engine, "plain") == (False, {})
    assert "already installed" in hue("plugins", "install", "plain", "--tenant", "hue").output

    assert "Enabled 'plain' for hue" in hue("plugins", "enable", "plain", "--tenant", "hue").output
    assert module_state(engine, "plain") == (True, {})
    assert "already enabled" in hue("plugins", "enable", "plain").output

    assert "Disabled 'plain' for hue" in hue("plugins", "disable", "plain").output
    assert module_state(engine, "plain") == (False, {})
    assert "already disabled" in hue("plugins", "disable", "plain").output

    assert rows(
        engine,
        "SELECT action, actor_label, actor_id FROM audit_log WHERE target = 'plain' ORDER BY id",
    ) == [
        ("module.installed", "cli", None),
        ("module.enabled", "cli", None),
        ("module.disabled", "cli", None),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["enable", "plain"], "Module 'plain' is not installed for this tenant; install it first."),
        (["disable", "plain"], "Module 'plain' is not installed for this tenant"),
        (["install", "nope"], "No plugin 'nope' is installed on this platform."),
        (["enable", "nope"], "No plugin 'nope'"),
        (
            ["install", "broken"],
            "Plugin 'broken' failed to load: import of 'sieuapp_synthetic_broken' failed: "
            "RuntimeError: broken at import",
        ),
        (["install", "plain", "--tenant", "atlantis"], "No tenant 'atlantis'"),
        (["config", "plain", "--set", "a=b"], "Module 'plain' is not installed"),
        (["config", "nope"], "No plugin 'nope'"),
    ],
)
def test_refusals_name_what_is_wrong_and_change_nothing(
    hue: Callable[..., Result], engine: Engine, args: list[str], message: str
) -> None:
    before = snapshot(engine)
    result = hue("plugins", *args, code=1)
    assert result.stderr.startswith("error: "), result.stderr
    assert message in result.stderr
    assert snapshot(engine) == before


def test_a_plugin_refusing_to_be_enabled_stays_off(
    hue: Callable[..., Result], engine: Engine
) -> None:
    hue("plugins", "install", "grumpy")
    before = snapshot(engine)
    result = hue("plugins", "enable", "grumpy", code=1)
    assert (
        "Module 'grumpy' could not be enabled: RuntimeError: the upstream service refused the "
        "tenant" in result.stderr
    )
    assert module_state(engine, "grumpy") == (False, {})
    assert snapshot(engine)[0] == before[0]


# -- config --------------------------------------------------------------------------------


def test_config_set_merges_and_never_prints_secrets(
    hue: Callable[..., Result], engine: Engine
) -> None:
    hue("plugins", "install", "greeter")
    assert module_state(engine, "greeter") == (
        False,
        {"greeting": "xin chào", "limit": 10, "api_key": None},
    )
    shown = hue("plugins", "config", "greeter").output
    assert json.loads(shown.split(":", 1)[1]) == {
        "greeting": "xin chào",
        "limit": 10,
    }

    out = hue("plugins", "config", "greeter", "--set", "limit=25", "--set", "api_key=s3cr3t").output
    assert "s3cr3t" not in out
    assert "secrets set (not shown): api_key" in out
    assert module_state(engine, "greeter") == (
        False,
        {"greeting": "xin chào", "limit": 25, "api_key": "s3cr3t"},
    )

    out = hue("plugins", "config", "greeter", "--set", "greeting=chào bạn").output
    assert '"greeting": "chào bạn"' in out and '"limit": 25' in out
    assert module_state(engine, "greeter")[1]["api_key"] == "s3cr3t"

    # --json replaces: a key left out goes back to its default, a secret left out is kept.
    hue("plugins", "config", "greeter", "--json", '{"greeting": "xin chào Huế"}')
    assert module_state(engine, "greeter") == (
        False,
        {"greeting": "xin chào Huế", "limit": 10, "api_key": "s3cr3t"},
    )
    audited = rows(engine, "SELECT before, after FROM audit_log WHERE action = 'module.configured'")
    assert len(audited) == 3
    assert all("s3cr3t" not in json.dumps(entry, default=str) for entry in audited)


@pytest.mark.parametrize(
    ("args", "field_line"),
    [
        (["--set", "limit=1000"], "  limit: Must be greater than or equal to 1 and less"),
        (["--set", "limit=many"], "  limit: Not a valid integer."),
        (["--set", "greeting="], "  greeting: Length must be between 1 and 50."),
        (["--set", "colour=blue"], "  colour: Unknown field."),
        (["--set", "limit"], "  --set: 'limit' is not KEY=VALUE."),
        (["--set", "=5"], "  --set: '=5' is not KEY=VALUE."),
        (["--json", '{"limit": 0}'], "  limit: Must be greater than or equal to 1"),
        (["--json", "{limit: 0}"], "  --json: Expecting property name enclosed in double quotes"),
        (["--json", "[1, 2]"], "  config: Not an object."),
    ],
)
def test_invalid_config_names_the_field_and_changes_nothing(
    hue: Callable[..., Result], engine: Engine, args: list[str], field_line: str
) -> None:
    hue("plugins", "install", "greeter")
    hue("plugins", "config", "greeter", "--set", "api_key=kept")
    before = snapshot(engine)
    result = hue("plugins", "config", "greeter", "--tenant", "hue", *args, code=1)
    assert field_line in result.stderr.splitlines() or any(
        line.startswith(field_line) for line in result.stderr.splitlines()
    ), result.stderr
    assert "kept" not in result.output
    assert snapshot(engine) == before


def test_config_takes_set_or_json_not_both(hue: Callable[..., Result]) -> None:
    hue("plugins", "install", "greeter")
    result = hue("plugins", "config", "greeter", "--set", "limit=2", "--json", "{}", code=2)
    assert "Use --set or --json, not both." in result.stderr
