"""Discovery and validation of plugin distributions (entry-point group ``sieuapp.plugins``)."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from sieuapp.sdk import Manifest, hookspecs

from ._record import PluginRecord

ENTRY_POINT_GROUP = "sieuapp.plugins"
log = logging.getLogger("sieuapp.plugins")


def discovered_entry_points(allow: Iterable[str] = ()) -> list[EntryPoint]:
    allowed = set(allow)
    found = [
        ep for ep in entry_points(group=ENTRY_POINT_GROUP) if not allowed or ep.name in allowed
    ]
    return sorted(found, key=lambda ep: ep.name)


def where(function: Any) -> str:
    """``module.py:12 name(args)``, to point a partner at the offending definition."""
    try:
        source = inspect.getsourcefile(function) or "?"
        line = inspect.getsourcelines(function)[1]
    except (OSError, TypeError):
        source, line = "?", 0
    try:
        signature = str(inspect.signature(function))
    except (TypeError, ValueError):
        signature = "(...)"
    return f"{source}:{line} {getattr(function, '__name__', '?')}{signature}"


def unknown_hooks(pm: pluggy.PluginManager, plugin: Any) -> list[str]:
    """Hook implementations in ``plugin`` for which the SDK defines no hook."""
    problems = []
    for name in dir(plugin):
        if pm.parse_hookimpl_opts(plugin, name) is None:
            continue
        if not hasattr(hookspecs, name) or not hasattr(getattr(hookspecs, name), "sieuapp_spec"):
            problems.append(
                f"hook '{name}': no such hook in the SDK API "
                f"(defined at {where(getattr(plugin, name))})"
            )
    return problems


def call_impl(pm: pluggy.PluginManager, plugin_name: str, hook: str, **kwargs: Any) -> Any:
    """Call one plugin's implementation of ``hook`` with the arguments it declares."""
    caller = getattr(pm.hook, hook)
    for impl in caller.get_hookimpls():
        if impl.plugin_name == plugin_name:
            return impl.function(*(kwargs[name] for name in impl.argnames))
    return None


def implements(pm: pluggy.PluginManager, plugin_name: str, hook: str) -> bool:
    return any(i.plugin_name == plugin_name for i in getattr(pm.hook, hook).get_hookimpls())


def load(pm: pluggy.PluginManager, ep: EntryPoint, sdk_api: Version) -> PluginRecord:
    """Import, register and validate one plugin; never raises: problems go on the record."""
    dist = ep.dist
    record = PluginRecord(
        id=ep.name,
        distribution=dist.name if dist else "?",
        version=dist.version if dist else "0",
    )
    try:
        module = ep.load()
    except BaseException as exc:  # noqa: BLE001 - a partner's import may raise anything
        if isinstance(exc, KeyboardInterrupt):
            raise
        record.fail(f"import of '{ep.value}' failed: {type(exc).__name__}: {exc}")
        return record
    record.module = module
    for problem in unknown_hooks(pm, module):
        record.fail(problem)
    if not record.loaded:
        return record
    try:
        pm.register(module, name=ep.name)
    except (pluggy.PluginValidationError, ValueError) as exc:
        record.fail(" ".join(str(exc).split()))
        return record
    _check_manifest(pm, record, sdk_api)
    if not record.loaded:
        pm.unregister(name=ep.name)
    return record


def _check_manifest(pm: pluggy.PluginManager, record: PluginRecord, sdk_api: Version) -> None:
    if not implements(pm, record.id, "manifest"):
        record.fail("hook 'manifest': not implemented; every plugin must describe itself")
        return
    try:
        manifest = call_impl(pm, record.id, "manifest")
    except Exception as exc:  # noqa: BLE001
        record.fail(f"hook 'manifest' raised {type(exc).__name__}: {exc}")
        return
    if not isinstance(manifest, Manifest):
        record.fail(f"hook 'manifest' returned {type(manifest).__name__}, not sieuapp.sdk.Manifest")
        return
    for problem in manifest.problems():
        record.fail(f"manifest {problem}")
    if manifest.id != record.id:
        record.fail(
            f"manifest id: {manifest.id!r} differs from the entry point name {record.id!r} "
            f"in {record.distribution}"
        )
    if not record.loaded:
        return
    wanted = SpecifierSet(manifest.sdk_api)
    if not wanted.contains(sdk_api, prereleases=True):
        record.fail(
            f"manifest sdk_api: the plugin needs SDK API {manifest.sdk_api}, "
            f"this platform implements {sdk_api}"
        )
        return
    record.manifest = manifest.with_version(record.version)
