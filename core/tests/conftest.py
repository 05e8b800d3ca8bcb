from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sieuapp.core.plugins.synthetic import entry_points_in, plugin_source, write_distribution
from sieuapp.core.testing import Platform


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
def synthetic(plugin_dir: Path):
    """Write plugins; returns a function giving the entry points written so far."""

    def write(plugin_id: str, source: str | None = None, **kwargs) -> None:
        write_distribution(plugin_dir, plugin_id, source or plugin_source(plugin_id), **kwargs)

    write.entry_points = lambda: entry_points_in(plugin_dir)  # type: ignore[attr-defined]
    write.source = plugin_source  # type: ignore[attr-defined]
    return write
