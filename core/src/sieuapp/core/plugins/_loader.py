"""Discovery and validation of plugin distributions (entry-point group ``sieuapp.plugins``)."""

from __future__ import annotations

import inspect
import logging
import traceback
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
    target = inspect.unwrap(function) if callable(function) else function
    try:
        source = inspect.getsourcefile(target) or "?"
        lines, line = inspect.getsourcelines(target)
    except (OSError, TypeError):
        source, lines, line = "?", [], 0
    # The source starts at the first decorator; the partner looks for the ``def``.
    for offset, text in enumerate(lines):
        if text.lstrip().startswith(("def ", "async def ")):
            line += offset
            break
    try:
        signature = str(inspect.signature(function))
    except (TypeError, ValueError):
        signature = "(...)"
    return f"{source}:{line} {getattr(function, '__name__', '?')}{signature}"


def raised_at(exc: BaseException) -> str:
    """``file.py:7`` where ``exc`` was raised (the innermost frame), or where a SyntaxError is."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno or 0}"
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    return f"{frames[-1].filename}:{frames[-1].lineno}"


def describe_raise(hook: str, exc: BaseException, function: Any = None) -> str:
    """``hook 'x' raised E: msg (raised at f.py:9; defined at f.py:3 x(a))``."""
    place = f"raised at {raised_at(exc)}"
    if function is not None:
        place += f"; defined at {where(function)}"
    return f"hook '{hook}' raised {type(exc).__name__}: {exc} ({place})"


def _implementations(pm: pluggy.PluginManager, plugin: Any) -> list[tuple[str, Any, dict]]:
    """``(hook name, function, options)`` of each hook implementation in ``plugin``; the hook
    name is the ``specname`` when one is given, as pluggy registers it."""
    found = []
    for attr in dir(plugin):
        opts = pm.parse_hookimpl_opts(plugin, attr)
        if opts is None:
            continue
        found.append((opts.get("specname") or attr, getattr(plugin, attr), dict(opts)))
    return found


def _spec(name: str) -> Any:
    spec = getattr(hookspecs, name, None)
    return spec if spec is not None and hasattr(spec, f"{hookspecs.PROJECT}_spec") else None


def hook_problems(pm: pluggy.PluginManager, plugin: Any) -> list[str]:
    """Hook implementations in ``plugin`` that the SDK cannot call: no such hook, arguments the
    hook does not pass, or a wrapper (the host calls each plugin's implementation alone)."""
    problems = []
    for hook, function, opts in _implementations(pm, plugin):
        spec = _spec(hook)
        if spec is None:
            problems.append(
                f"hook '{hook}': no such hook in the SDK API (defined at {where(function)})"
            )
            continue
        if opts.get("wrapper") or opts.get("hookwrapper"):
            problems.append(
                f"hook '{hook}': wrapper implementations are not supported "
                f"(defined at {where(function)})"
            )
            continue
        offered = list(inspect.signature(spec).parameters)
        try:
            parameters = inspect.signature(function).parameters.values()
        except (TypeError, ValueError):
            problems.append(f"hook '{hook}': {function!r} is not a function")
            continue
        # Arguments with a default are never passed, so only those without one must exist;
        # the host passes arguments by position, so none of them may be keyword-only.
        required = [
            p
            for p in parameters
            if p.default is inspect.Parameter.empty
            and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        ]
        unknown = [p.name for p in required if p.name not in offered]
        keyword_only = [
            p.name
            for p in required
            if p.name in offered and p.kind is inspect.Parameter.KEYWORD_ONLY
        ]
        if unknown:
            problems.append(
                f"hook '{hook}': argument(s) {', '.join(map(repr, unknown))} not in the hook "
                f"specification {hook}({', '.join(offered)}) (defined at {where(function)})"
            )
        if keyword_only:
            problems.append(
                f"hook '{hook}': argument(s) {', '.join(map(repr, keyword_only))} must not be "
                f"keyword-only (defined at {where(function)})"
            )
    return problems


def call_impl(pm: pluggy.PluginManager, plugin_name: str, hook: str, **kwargs: Any) -> Any:
    """Call one plugin's implementation of ``hook`` with the arguments it declares."""
    caller = getattr(pm.hook, hook)
    for impl in caller.get_hookimpls():
        if impl.plugin_name == plugin_name:
            return impl.function(*(kwargs[name] for name in impl.argnames))
    return None


def impl_function(pm: pluggy.PluginManager, plugin_name: str, hook: str) -> Any:
    for impl in getattr(pm.hook, hook).get_hookimpls():
        if impl.plugin_name == plugin_name:
            return impl.function
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
        record.fail(
            f"import of '{ep.value}' failed: {type(exc).__name__}: {exc} "
            f"(raised at {raised_at(exc)})"
        )
        return record
    record.module = module
    for problem in hook_problems(pm, module):
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
        record.fail(describe_raise("manifest", exc, impl_function(pm, record.id, "manifest")))
        return
    if not isinstance(manifest, Manifest):
        record.fail(
            f"hook 'manifest' returned {type(manifest).__name__}, not sieuapp.sdk.Manifest "
            f"(defined at {where(impl_function(pm, record.id, 'manifest'))})"
        )
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
