"""The plugin host: loads plugins, mounts their routes and calls their hooks, containing
every failure so that one plugin never takes the others down."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from importlib.metadata import EntryPoint
from typing import TYPE_CHECKING, Any

import pluggy
from flask import Blueprint, Flask
from packaging.version import Version
from sieuapp.sdk import Manifest, hookspecs

from ._containment import Failure, note_outcome
from ._loader import (
    ENTRY_POINT_GROUP,
    call_impl,
    describe_raise,
    discovered_entry_points,
    impl_function,
    implements,
    load,
    where,
)
from ._record import PluginRecord
from ._routing import BLUEPRINT_PREFIX
from ._services import PluginServices

if TYPE_CHECKING:
    from .._runtime import Runtime

log = logging.getLogger("sieuapp.plugins")
MOUNT = "/m"


class PluginHost:
    def __init__(self, runtime: Runtime, sdk_api: Version) -> None:
        self.runtime = runtime
        self.sdk_api = sdk_api
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.records: dict[str, PluginRecord] = {}
        self.services: dict[str, PluginServices] = {}

    # -- loading -------------------------------------------------------------------------

    def discover(self, entry_points: Iterable[EntryPoint] | None = None) -> None:
        eps = (
            discovered_entry_points(self.runtime.settings.plugins)
            if entry_points is None
            else entry_points
        )
        for ep in eps:
            if ep.name in self.records:
                # Which copy would win depends on install order: refuse both, loudly.
                first = self.records[ep.name]
                dist = ep.dist.name if ep.dist else "?"
                first.fail(
                    f"entry point name {ep.name!r} is used by both {first.distribution} and "
                    f"{dist}; each plugin needs its own name in group '{ENTRY_POINT_GROUP}'"
                )
                self._unregister(ep.name)
                continue
            self.records[ep.name] = load(self.pm, ep, self.sdk_api)

    def start(self, app: Flask) -> None:
        """Run each loaded plugin's ``startup`` and mount its routes; a failure fails only it."""
        for record in self.loaded():
            services = PluginServices(self.runtime, record.id)
            self.services[record.id] = services
            try:
                call_impl(self.pm, record.id, "startup", services=services)
            except Exception as exc:  # noqa: BLE001
                function = impl_function(self.pm, record.id, "startup")
                self._fail(record, describe_raise("startup", exc, function))
                continue
            if implements(self.pm, record.id, "routes"):
                self._mount(app, record, services)

    def _mount(self, app: Flask, record: PluginRecord, services: PluginServices) -> None:
        function = impl_function(self.pm, record.id, "routes")
        try:
            blueprint = call_impl(self.pm, record.id, "routes", services=services)
        except Exception as exc:  # noqa: BLE001
            self._fail(record, describe_raise("routes", exc, function))
            return
        if not isinstance(blueprint, Blueprint):
            self._fail(
                record,
                f"hook 'routes' returned {type(blueprint).__name__}, not a flask.Blueprint "
                f"(defined at {where(function)})",
            )
            return
        try:
            app.register_blueprint(
                blueprint, url_prefix=f"{MOUNT}/{record.id}", name=f"{BLUEPRINT_PREFIX}{record.id}"
            )
        except Exception as exc:  # noqa: BLE001
            self._fail(record, f"its blueprint could not be mounted: {type(exc).__name__}: {exc}")
            return
        record.blueprint = blueprint

    def _fail(self, record: PluginRecord, problem: str) -> None:
        log.error("plugin %r failed to start: %s", record.id, problem)
        record.fail(problem)
        self._unregister(record.id)
        self.services.pop(record.id, None)

    def _unregister(self, name: str) -> None:
        if self.pm.get_plugin(name) is not None:
            self.pm.unregister(name=name)

    # -- queries ---------------------------------------------------------------------------

    def loaded(self) -> list[PluginRecord]:
        return [r for r in self.records.values() if r.loaded]

    def manifest(self, plugin_id: str) -> Manifest | None:
        record = self.records.get(plugin_id)
        return record.manifest if record is not None and record.loaded else None

    def migrations(self, plugin_ids: Iterable[str]) -> dict[str, str]:
        """``{plugin id: "package:folder"}`` for those of ``plugin_ids`` that ship migrations."""
        found = {}
        for plugin_id in plugin_ids:
            manifest = self.manifest(plugin_id)
            if manifest is not None and manifest.migrations:
                found[plugin_id] = manifest.migrations
        return found

    # -- calling hooks ---------------------------------------------------------------------

    def call(
        self,
        plugin_id: str,
        hook: str,
        tenant_id: int | None,
        *,
        refusals: tuple[type[Exception], ...] = (),
        **kwargs: Any,
    ) -> Any:
        """Call one plugin's hook; raises ``HookFailed`` after recording the failure. An
        exception of a ``refusals`` type is the plugin answering the caller (``InvalidInput``
        for a request it cannot serve): it propagates as it is and counts as no failure."""
        services = self.services.get(plugin_id)
        if services is None or not implements(self.pm, plugin_id, hook):
            return None
        try:
            result = call_impl(self.pm, plugin_id, hook, services=services, **kwargs)
        except refusals:
            raise
        except Exception as exc:  # noqa: BLE001
            error = f"{type(exc).__name__}: {exc}"
            self._note(Failure(tenant_id, plugin_id, hook, error), exc)
            raise HookFailed(plugin_id, hook, error) from exc
        state = self.runtime.tenant_states().get(plugin_id) if tenant_id is not None else None
        if state is not None and state.failure_count:
            self._note(Failure(tenant_id, plugin_id, hook, None))
        return result

    def call_enabled(self, hook: str, tenant_id: int, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call ``hook`` on every plugin enabled for the request's tenant, each contained."""
        states = self.runtime.tenant_states()
        results = []
        for impl in reversed(getattr(self.pm.hook, hook).get_hookimpls()):
            state = states.get(impl.plugin_name)
            if state is None or not state.enabled:
                continue
            try:
                results.append(
                    (impl.plugin_name, self.call(impl.plugin_name, hook, tenant_id, **kwargs))
                )
            except HookFailed:
                continue
        return results

    def _note(self, failure: Failure, exc: BaseException | None = None) -> None:
        note_outcome(
            self.runtime.sessionmaker, self.runtime.settings.plugin_failure_limit, failure, exc
        )


class HookFailed(Exception):
    def __init__(self, plugin_id: str, hook: str, error: str) -> None:
        super().__init__(f"plugin {plugin_id!r} failed in hook {hook!r}: {error}")
        self.plugin_id = plugin_id
        self.hook = hook
        self.error = error
