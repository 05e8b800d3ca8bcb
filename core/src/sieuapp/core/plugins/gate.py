"""The module gate in front of every plugin route: installed, enabled for this tenant, role.
A signed-in caller let through is noted as using the module today (``usage.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import abort
from sieuapp.sdk.errors import Forbidden, Unauthorized

from ..identity.principal import caller_roles, current_principal
from . import usage
from ._routing import request_plugin

if TYPE_CHECKING:
    from .._runtime import Runtime


def check(runtime: Runtime) -> None:
    plugin_id = request_plugin()
    if plugin_id is None:
        return
    manifest = runtime.host.manifest(plugin_id)
    state = runtime.tenant_states().get(plugin_id)
    if manifest is None or state is None or not state.enabled:
        # The same answer as a module that does not exist: a disabled module is not there.
        abort(404)
    if caller_roles().isdisjoint(manifest.roles):
        if current_principal() is None:
            raise Unauthorized("Sign in to use this service.")
        raise Forbidden("Your role does not give access to this service.")
    usage.note(plugin_id)
