"""``sieuapp plugin check``: the platform's own loader and host run on one plugin, plus the
checks only a source tree allows (pyproject, imports of ``sieuapp.core``)."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint
from pathlib import Path

from .._runtime import runtime_of
from ..app import SDK_API, create_app
from ..settings import Settings
from .imports import core_imports, source_files
from .target import locate


@dataclass(frozen=True)
class Loaded:
    """A plugin the platform accepted."""

    id: str
    distribution: str
    version: str
    hooks: list[str]
    sdk_api: str


@dataclass
class CheckReport:
    target: str
    problems: list[str] = field(default_factory=list)
    loaded: list[Loaded] = field(default_factory=list)
    files_scanned: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if not self.ok:
            count = len(self.problems)
            return f"{self.target}: {count} problem{'s' if count != 1 else ''}"
        plugins = "; ".join(
            f"plugin '{p.id}' ({p.distribution} {p.version}) loads with hooks "
            f"{', '.join(p.hooks)}; its sdk_api {p.sdk_api} includes {SDK_API}"
            for p in self.loaded
        )
        return f"ok: {self.target}: {plugins}; {self.files_scanned} files, no sieuapp.core import"


@contextmanager
def _quiet_host() -> Iterator[None]:
    # The host logs each failure for operators; here the report prints them, once.
    logger = logging.getLogger("sieuapp")
    handler = logging.NullHandler()
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.propagate = propagate
        logger.removeHandler(handler)


def _through_host(eps: list[EntryPoint]) -> tuple[list[str], list[Loaded]]:
    """Load and start the plugins in a real, empty platform: discovery checks (hook names and
    arguments, manifest, SDK API range, id against entry point), then ``startup`` and
    ``routes`` with real services. Problems are the host's own words."""
    problems: list[str] = []
    loaded: list[Loaded] = []
    with tempfile.TemporaryDirectory(prefix="sieuapp-check-") as instance, _quiet_host():
        settings = Settings(
            instance_path=Path(instance),
            database_url="sqlite://",
            secret_key="sieuapp-plugin-check",
            task_backend="inline",
        )
        app = create_app(settings, entry_points=eps)
        runtime = runtime_of(app)
        try:
            for ep in eps:
                record = runtime.host.records[ep.name]
                if not record.loaded:
                    problems.extend(f"plugin '{record.id}': {p}" for p in record.problems)
                    continue
                assert record.manifest is not None
                module = runtime.host.pm.get_plugin(record.id)
                hooks = sorted(c.name for c in runtime.host.pm.get_hookcallers(module) or [])
                loaded.append(
                    Loaded(
                        record.id,
                        record.distribution,
                        record.version,
                        hooks,
                        record.manifest.sdk_api,
                    )
                )
        finally:
            runtime.task_backend.shutdown()
            runtime.engine.dispose()
    return problems, loaded


def check_plugin(spec: str, cwd: Path | None = None) -> CheckReport:
    """Check a plugin distribution folder or an installed module; never raises for a
    plugin's faults, which all go into the report."""
    target = locate(spec, cwd)
    report = CheckReport(target.label, list(target.problems))
    try:
        files = [f for root in target.scan for f in source_files(root)]
        report.files_scanned = len(files)
        report.problems.extend(core_imports(files, target.root))
        if target.entry_points:
            with target.importable():
                problems, report.loaded = _through_host(target.entry_points)
            report.problems.extend(problems)
    finally:
        target.close()
    return report
