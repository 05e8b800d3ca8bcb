from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sieuapp.core.plugins.synthetic import entry_points_in, plugin_source, write_distribution
from sieuapp.core.testing import Platform

from .oidc_support import sign_in, with_passwords


@pytest.fixture
def plugin_dir(tmp_path: Path) -> Path:
    return tmp_path / "site"


@pytest.fixture
def make_platform(tmp_path: Path) -> Iterator:
    made: list[Platform] = []

    def make(**kwargs) -> Platform:
        platform = Platform.create(instance_path=tmp_path / f"instance{len(made)}", **kwargs)
        made.append(platform)
        return platform

    yield make
    for platform in made:
        platform.close()


@pytest.fixture
def synthetic(plugin_dir: Path) -> Iterator:
    """Write plugins; returns a function giving the entry points written so far."""

    def write(plugin_id: str, source: str | None = None, **kwargs) -> None:
        write_distribution(plugin_dir, plugin_id, source or plugin_source(plugin_id), **kwargs)

    write.entry_points = lambda: entry_points_in(plugin_dir)  # type: ignore[attr-defined]
    write.source = plugin_source  # type: ignore[attr-defined]
    yield write
    # The folder was put on sys.path to import the plugins: left there, its distributions are
    # installed plugins to every later test (a synthetic "taxi" beside the real one).
    while str(plugin_dir) in sys.path:
        sys.path.remove(str(plugin_dir))
    importlib.invalidate_caches()


# The defaults for a module that wants a plain platform and a signed-in browser; a module that
# needs plugins, settings or other users defines its own ``platform`` (and ``browser``).


@pytest.fixture
def platform(make_platform: Callable[..., Platform]) -> Platform:
    """No plugins; the seeded users sign in with ``oidc_support.PASSWORD``."""
    p = make_platform(plugins=[])
    with_passwords(p)
    return p


@pytest.fixture
def browser(platform: Platform) -> FlaskClient:
    """A browser signed in as ``citizen`` through the login form."""
    client = platform.client()
    sign_in(client)
    return client
