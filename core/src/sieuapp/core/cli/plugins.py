"""``sieuapp plugins``: what is discovered on this platform, and each tenant's modules."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click
from flask import Flask
from sieuapp.sdk.errors import Conflict
from sqlalchemy import select

from ..db import unit_of_work
from ..plugins import _config, modules
from ..plugins.models import ModuleState
from ..tenancy.context import current_tenant
from ..tenancy.models import Tenant
from ._context import CliError, platform_app, runtime_of, tenant_context

CLI_ACTOR = modules.Actor(None, "cli")

tenant_option = click.option(
    "--tenant",
    default=None,
    metavar="SLUG",
    help="The tenant (province) to act on; default: SIEUAPP_DEFAULT_TENANT.",
)


@click.group(help="Plugins installed on this platform, per tenant.")
def plugins() -> None:
    pass


# -- listing --------------------------------------------------------------------------------


def _states(app: Flask, tenant: str | None) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """Tenant slugs shown, and ``{plugin id: {slug: state}}``."""
    with unit_of_work(runtime_of(app).sessionmaker) as session:
        slugs = list(session.scalars(select(Tenant.slug).order_by(Tenant.slug)))
        if tenant is not None:
            if tenant not in slugs:
                raise CliError(
                    f"Không có tỉnh '{tenant}' / No tenant '{tenant}' on this platform.",
                    {"tenant": [f"Unknown tenant {tenant!r}."]},
                )
            slugs = [tenant]
        rows = session.execute(
            select(Tenant.slug, ModuleState)
            .join(Tenant, Tenant.id == ModuleState.tenant_id)
            .where(Tenant.slug.in_(slugs))
        ).all()
    states: dict[str, dict[str, Any]] = {}
    for slug, state in rows:
        states.setdefault(state.plugin_id, {})[slug] = {
            "installed": True,
            "enabled": state.enabled,
            "installed_version": state.installed_version,
            "failure_count": state.failure_count,
            "disabled_reason": state.disabled_reason,
        }
    return slugs, states


def _listing(app: Flask, tenant: str | None) -> list[dict[str, Any]]:
    slugs, states = _states(app, tenant)
    records = runtime_of(app).host.records
    not_installed = {"installed": False, "enabled": False}
    listing = []
    for plugin_id in sorted(set(records) | set(states)):
        record = records.get(plugin_id)
        listing.append(
            {
                "id": plugin_id,
                "distribution": record.distribution if record else None,
                "version": record.version if record else None,
                # ``missing``: installed in a tenant, but no longer on this platform.
                "status": record.status if record else "missing",
                "problems": list(record.problems) if record else [],
                "tenants": {s: states.get(plugin_id, {}).get(s, not_installed) for s in slugs},
            }
        )
    return listing


def _describe(state: dict[str, Any]) -> str:
    if not state["installed"]:
        return "not installed"
    words = ["enabled" if state["enabled"] else "disabled", f"v{state['installed_version']}"]
    if state["disabled_reason"]:
        words.append(f"switched off by the platform: {state['disabled_reason']}")
    elif state["failure_count"]:
        words.append(f"{state['failure_count']} hook failures in a row")
    return ", ".join(words)


@plugins.command(
    "list", help="Every discovered plugin, failed ones with why, and per tenant state."
)
@click.option("--tenant", default=None, metavar="SLUG", help="Show only this tenant's state.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def list_(tenant: str | None, as_json: bool) -> None:
    with platform_app() as app:
        listing = _listing(app, tenant)
    if as_json:
        click.echo(json.dumps({"plugins": listing}, ensure_ascii=False, indent=2))
        return
    if not listing:
        click.echo(
            "Không tìm thấy plugin nào / No plugins found (entry point group sieuapp.plugins)."
        )
    for item in listing:
        version = item["version"] or "?"
        click.echo(f"{item['id']}  {version}  {item['status']}")
        for problem in item["problems"]:
            click.echo(f"    problem: {problem}")
        for slug, state in item["tenants"].items():
            click.echo(f"    {slug}: {_describe(state)}")


# -- changing a tenant's modules ------------------------------------------------------------


def _change(
    plugin_id: str,
    tenant: str | None,
    operation: Callable[..., ModuleState],
    *args: Any,
) -> tuple[str, bool, bool, dict[str, Any]]:
    """Run ``operation`` in the tenant's context, committing only if it succeeds; returns the
    tenant slug, whether the module was installed and enabled before, and its public state."""
    with platform_app() as app:
        runtime = runtime_of(app)
        slug = tenant or runtime.settings.default_tenant
        with tenant_context(app, slug) as session:
            record = modules.record_any(runtime, plugin_id)
            if record.manifest is None:
                raise Conflict(
                    f"Plugin {plugin_id!r} failed to load: {'; '.join(record.problems)}",
                    {"plugin": record.problems},
                )
            before = modules.state_of(session, _tenant_id(), plugin_id)
            was_installed, was_enabled = before is not None, bool(before and before.enabled)
            state = operation(runtime, session, plugin_id, *args, CLI_ACTOR)
            after = {
                "enabled": state.enabled,
                "installed_version": state.installed_version,
                "config": _config.public(record.manifest, state.config),
            }
    return slug, was_installed, was_enabled, after


def _tenant_id() -> int:
    return current_tenant().id


@plugins.command(help="Install a module for a tenant (applies its migrations); stays disabled.")
@click.argument("plugin_id", metavar="ID")
@tenant_option
def install(plugin_id: str, tenant: str | None) -> None:
    made: list[modules.ClientCredentials | None] = []

    def operation(runtime: Any, session: Any, plugin_id: str, actor: modules.Actor) -> ModuleState:
        state, credentials = modules.install_with_client(runtime, session, plugin_id, actor)
        made.append(credentials)
        return state

    slug, was_installed, _, after = _change(plugin_id, tenant, operation)
    if was_installed:
        click.echo(f"'{plugin_id}' đã được cài / was already installed for {slug}.")
    else:
        click.echo(
            f"Đã cài / Installed '{plugin_id}' {after['installed_version']} for {slug} "
            f"(disabled; 'sieuapp plugins enable {plugin_id} --tenant {slug}' to switch it on)."
        )
    credentials = made[0] if made else None
    if credentials is not None:
        # Printed after the commit, and only this once: the platform keeps just a hash.
        click.echo(f"OAuth client_id: {credentials.client_id}")
        click.echo(f"OAuth client_secret: {credentials.client_secret}")
        click.echo(
            "Lưu mật khẩu ứng dụng này ngay, nó không được hiện lại / "
            "Store this secret now: it is not shown again."
        )


@plugins.command(help="Switch an installed module on for a tenant.")
@click.argument("plugin_id", metavar="ID")
@tenant_option
def enable(plugin_id: str, tenant: str | None) -> None:
    slug, _, was_enabled, _ = _change(plugin_id, tenant, modules.enable)
    if was_enabled:
        click.echo(f"'{plugin_id}' đã bật sẵn / was already enabled for {slug}.")
    else:
        click.echo(f"Đã bật / Enabled '{plugin_id}' for {slug}.")


@plugins.command(help="Switch a module off for a tenant; its routes answer 404 there.")
@click.argument("plugin_id", metavar="ID")
@tenant_option
def disable(plugin_id: str, tenant: str | None) -> None:
    slug, _, was_enabled, _ = _change(plugin_id, tenant, modules.disable)
    if not was_enabled:
        click.echo(f"'{plugin_id}' đã tắt sẵn / was already disabled for {slug}.")
    else:
        click.echo(f"Đã tắt / Disabled '{plugin_id}' for {slug}.")


def _parse_sets(pairs: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CliError(
                f"--set {pair!r}: write KEY=VALUE.", {"--set": [f"{pair!r} is not KEY=VALUE."]}
            )
        values[key.strip()] = value
    return values


def _parse_json(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CliError(
            f"--json is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}.",
            {"--json": [exc.msg]},
        ) from exc


def _configure_replaced(data: Any) -> Callable[..., ModuleState]:
    def operation(runtime: Any, session: Any, plugin_id: str, actor: modules.Actor) -> ModuleState:
        return modules.configure(runtime, session, plugin_id, data, actor)

    return operation


def _configure_merged(sets: dict[str, str]) -> Callable[..., ModuleState]:
    """``modules.configure`` with the current configuration plus ``sets``."""

    def operation(runtime: Any, session: Any, plugin_id: str, actor: modules.Actor) -> ModuleState:
        current = modules.state_of(session, _tenant_id(), plugin_id)
        merged = {**(current.config if current is not None else {}), **sets}
        return modules.configure(runtime, session, plugin_id, merged, actor)

    return operation


def _show(runtime: Any, session: Any, plugin_id: str, actor: modules.Actor) -> ModuleState:
    state = modules.state_of(session, _tenant_id(), plugin_id)
    if state is None:
        # The same refusal as configuring a module that is not installed.
        return modules.configure(runtime, session, plugin_id, {}, actor)
    return state


@plugins.command(
    help="Show or change a tenant's configuration of a module. --set KEY=VALUE (repeatable) "
    "changes those keys and keeps the others; --json '{...}' replaces the whole configuration "
    "(a secret left out keeps its value). Without either, prints the configuration. Values are "
    "validated by the plugin's schema; secrets are never printed."
)
@click.argument("plugin_id", metavar="ID")
@tenant_option
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Change one setting.")
@click.option("--json", "raw_json", default=None, metavar="JSON", help="The whole configuration.")
def config(plugin_id: str, tenant: str | None, sets: tuple[str, ...], raw_json: str | None) -> None:
    if sets and raw_json is not None:
        raise click.UsageError("Use --set or --json, not both.")
    if raw_json is not None:
        data = _parse_json(raw_json)
        operation = _configure_replaced(data)
    elif sets:
        operation = _configure_merged(_parse_sets(sets))
    else:
        operation = _show
    slug, _, _, after = _change(plugin_id, tenant, operation)
    shown = after["config"]
    click.echo(f"'{plugin_id}' for {slug}:")
    click.echo(json.dumps(shown["values"], ensure_ascii=False, indent=2, sort_keys=True))
    if shown["secrets_set"]:
        click.echo(f"secrets set (not shown): {', '.join(shown['secrets_set'])}")
