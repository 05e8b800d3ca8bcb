"""Discovery for the app frontend, and the province's module administration."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Response, current_app, request
from flask_smorest import Blueprint
from sieuapp.sdk import Role
from sieuapp.sdk.errors import InvalidInput

from .._runtime import runtime_of
from ..db import current_session
from ..identity.principal import caller_roles, require_principal
from ..tenancy.context import current_tenant
from ..web.i18n import request_language
from . import _config, modules
from ._host import MOUNT
from ._record import PluginRecord
from ._states import StateSnapshot

blp = Blueprint("modules", __name__, url_prefix="/api/v1", description="Modules and plugins")

ADMINS = (Role.PROVINCE_ADMIN.value,)
WATCHERS = (Role.PROVINCE_ADMIN.value, Role.IOC_OPERATOR.value)


def _module_entry(record: PluginRecord, language: str) -> dict[str, Any]:
    m = record.manifest
    assert m is not None
    frontend = m.frontend
    return {
        "id": m.id,
        "name": m.name.get(language),
        "description": m.description.get(language),
        "version": m.version,
        "icon": frontend.icon if frontend else None,
        "category": frontend.category if frontend else None,
        "entry_url": f"{MOUNT}/{m.id}{frontend.route}" if frontend else None,
        "scopes": [{"name": s.name, "purpose": s.purpose.get(language)} for s in m.scopes],
    }


# Rendered discovery answers, kept per app (two apps in a process have different plugins and
# may share tenant ids); the key includes the tenant's modules version, so a change anywhere is
# seen by every worker on its next request without any invalidation message.
_RENDERED = "sieuapp.modules_rendered"


def _render_modules(language: str, roles: frozenset[str]) -> tuple[bytes, str]:
    tenant = current_tenant()
    key = (tenant.id, tenant.modules_version, language, roles)
    _rendered: dict[Any, tuple[bytes, str]] = current_app.extensions.setdefault(_RENDERED, {})
    hit = _rendered.get(key)
    if hit is not None:
        return hit
    runtime = runtime_of()
    states = runtime.tenant_states()
    entries = [
        _module_entry(record, language)
        for record in runtime.host.loaded()
        if record.manifest is not None
        and (state := states.get(record.id)) is not None
        and state.enabled
        and not roles.isdisjoint(record.manifest.roles)
    ]
    body = json.dumps(
        {"tenant": tenant.slug, "language": language, "modules": entries},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    etag = hashlib.sha256(body).hexdigest()[:32]
    if len(_rendered) > 4096:
        _rendered.clear()
    _rendered[key] = (body, etag)
    return body, etag


@blp.route("/modules")
@blp.doc(
    summary="Modules enabled for this tenant and the caller's role",
    description="Names and purposes in the language of Accept-Language (vi by default). "
    "Sends an ETag; answers 304 to a matching If-None-Match.",
)
def list_modules() -> Response:
    language = request_language()
    body, etag = _render_modules(language, caller_roles())
    headers = {
        "ETag": f'"{etag}"',
        "Vary": "Accept-Language, Authorization",
        "Cache-Control": "private, no-cache",
        "Content-Language": language,
    }
    # The app polls this on every start: a plain ETag comparison, without the range and date
    # handling of a general conditional response.
    if request.if_none_match.contains_weak(etag):
        return Response(status=304, headers=headers)
    return Response(body, headers=headers, mimetype="application/json")


def _plugin_view(
    record: PluginRecord, state: StateSnapshot | None, language: str
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": record.id,
        "distribution": record.distribution,
        "version": record.version,
        "status": record.status,
        "problems": list(record.problems),
        "name": None,
        "state": None,
    }
    m = record.manifest
    if m is not None:
        view["name"] = m.name.get(language)
        view["description"] = m.description.get(language)
        view["sdk_api"] = m.sdk_api
        view["roles"] = list(m.roles)
        view["config_schema"] = _config.schema_description(m)
        view["scopes"] = [{"name": s.name, "purpose": s.purpose.get(language)} for s in m.scopes]
    if state is not None:
        view["state"] = {
            "installed_version": state.installed_version,
            "enabled": state.enabled,
            "failure_count": state.failure_count,
            "last_failure": state.last_failure,
            "disabled_reason": state.disabled_reason,
            "config": _config.public(m, state.config) if m is not None else None,
        }
    return view


def _fresh_states() -> dict[str, StateSnapshot]:
    from ..tenancy.context import load_tenant_by_id

    tenant = load_tenant_by_id(current_tenant().id)
    assert tenant is not None
    return runtime_of().states.states(current_session, tenant.id, tenant.modules_version)


@blp.route("/admin/plugins")
@blp.doc(
    summary="Every plugin on the platform, failed ones with the reason, and its state here",
    security=[{"bearer": []}],
)
def admin_plugins() -> Any:
    require_principal(*WATCHERS)
    states = _fresh_states()
    language = request_language()
    records = sorted(runtime_of().host.records.values(), key=lambda r: r.id)
    return {"plugins": [_plugin_view(r, states.get(r.id), language) for r in records]}


@blp.route("/admin/plugins/<plugin_id>")
@blp.doc(summary="One plugin and its state for this tenant", security=[{"bearer": []}])
def admin_plugin(plugin_id: str) -> Any:
    require_principal(*WATCHERS)
    record = modules.record_any(runtime_of(), plugin_id)
    return _plugin_view(record, _fresh_states().get(plugin_id), request_language())


def _change(plugin_id: str, operation: Any, *args: Any) -> Any:
    principal = require_principal(*ADMINS)
    actor = modules.Actor(principal.user_id, principal.username)
    session = current_session()
    operation(runtime_of(), session, plugin_id, *args, actor)
    session.commit()
    record = modules.record_any(runtime_of(), plugin_id)
    return _plugin_view(record, _fresh_states().get(plugin_id), request_language())


@blp.route("/admin/plugins/<plugin_id>/install", methods=["POST"])
@blp.doc(
    summary="Install a module for this tenant (applies its migrations)",
    description="Also makes the module's OAuth client in this tenant. The answer carries "
    "`oauth_client` (`client_id`, `client_secret`) only when the client was just made: the "
    "secret is shown this once and stored hashed. A reinstall keeps the client.",
    security=[{"bearer": []}],
)
def install_plugin(plugin_id: str) -> Any:
    made: list[modules.ClientCredentials | None] = []

    def install(runtime: Any, session: Any, plugin_id: str, actor: modules.Actor) -> Any:
        state, credentials = modules.install_with_client(runtime, session, plugin_id, actor)
        made.append(credentials)
        return state

    view = _change(plugin_id, install)
    if made and made[0] is not None:
        view["oauth_client"] = {
            "client_id": made[0].client_id,
            "client_secret": made[0].client_secret,
        }
    return view


@blp.route("/admin/plugins/<plugin_id>/enable", methods=["POST"])
@blp.doc(summary="Switch a module on for this tenant", security=[{"bearer": []}])
def enable_plugin(plugin_id: str) -> Any:
    return _change(plugin_id, modules.enable)


@blp.route("/admin/plugins/<plugin_id>/disable", methods=["POST"])
@blp.doc(summary="Switch a module off for this tenant", security=[{"bearer": []}])
def disable_plugin(plugin_id: str) -> Any:
    return _change(plugin_id, modules.disable)


@blp.route("/admin/plugins/<plugin_id>/config", methods=["PUT"])
@blp.doc(
    summary="Replace this tenant's configuration of a module",
    description="Validated against the plugin's schema; a secret field left out keeps its value. "
    "Secrets are never returned.",
    security=[{"bearer": []}],
)
def configure_plugin(plugin_id: str) -> Any:
    # Who asks comes before what is asked: a stranger learns nothing from a 422.
    require_principal(*ADMINS)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput(
            "Send the configuration as a JSON object.", {"_request": ["Expected a JSON object."]}
        )
    return _change(plugin_id, modules.configure, data)
