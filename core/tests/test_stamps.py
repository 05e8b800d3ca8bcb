"""Module stamps: how workers learn of a module change without a query per request."""

from __future__ import annotations

import pytest
from sieuapp.core.tenancy.stamps import (
    CAPACITY,
    FileStamps,
    MemoryStamps,
    NoStamps,
    make_stamps,
)
from sqlalchemy import event


def test_file_stamps_are_shared_and_never_go_back(tmp_path):
    path = tmp_path / "db.sqlite3-stamps"
    first, second = FileStamps(path), FileStamps(path)  # two processes' views of one file
    assert first.read(3) == 0
    first.publish(3, 7)
    assert second.read(3) == 7
    second.publish(3, 5)  # a slower writer of an older version
    assert first.read(3) == 7
    assert first.read(4) == 0
    assert first.read(CAPACITY) is None
    first.publish(CAPACITY, 1)  # out of range: ignored, those tenants read the database


def test_modes(tmp_path):
    assert isinstance(make_stamps("auto", "postgresql+psycopg://db/x", tmp_path), NoStamps)
    assert isinstance(make_stamps("auto", "sqlite://", tmp_path), MemoryStamps)
    stamps = make_stamps("auto", f"sqlite:///{tmp_path}/s.sqlite3", tmp_path)
    assert isinstance(stamps, FileStamps)
    assert stamps.path == tmp_path / "s.sqlite3-stamps"
    assert (
        make_stamps("file", "postgresql+psycopg://db/x", tmp_path).path
        == tmp_path / "modules.stamps"
    )
    with pytest.raises(ValueError, match="SIEUAPP_MODULE_STAMPS='redis'"):
        make_stamps("redis", "sqlite://", tmp_path)


def queries_during(platform, call) -> list[str]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(platform.runtime.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(platform.runtime.engine, "before_cursor_execute", record)
    return seen


def test_a_current_tenant_is_served_without_a_query_and_a_change_is_seen(make_platform, synthetic):
    synthetic("alpha")
    # Explicit file stamps: on PostgreSQL, ``auto`` means no stamps (a query per request).
    platform = make_platform(
        plugins=["alpha"], entry_points=synthetic.entry_points(), module_stamps="file"
    )
    client = platform.client()
    assert client.get("/m/alpha/hello").status_code == 200  # warms the worker's cache
    assert queries_during(platform, lambda: client.get("/m/alpha/hello")) == []
    platform.disable("alpha")
    assert client.get("/m/alpha/hello").status_code == 404


def test_two_workers_on_one_sqlite_file_see_each_others_changes(tmp_path, synthetic):
    from sieuapp.core import create_app
    from sieuapp.core.testing import Platform

    synthetic("alpha")
    url = f"sqlite:///{tmp_path}/shared.sqlite3"
    first = Platform.create(
        tmp_path / "one", plugins=["alpha"], entry_points=synthetic.entry_points(), database_url=url
    )
    other = create_app(
        instance_path=tmp_path / "two",
        entry_points=synthetic.entry_points(),
        database_url=url,
        base_domain="sieuapp.test",
        default_tenant="hue",
    )
    try:
        second = other.test_client()
        assert second.get("/m/alpha/hello").status_code == 200
        assert second.get("/m/alpha/hello").status_code == 200  # served from its cache
        first.disable("alpha")
        assert second.get("/m/alpha/hello").status_code == 404
        first.install("alpha")  # already installed: enables it again
        assert second.get("/m/alpha/hello").status_code == 200
    finally:
        other.extensions["sieuapp"].task_backend.shutdown()
        other.extensions["sieuapp"].engine.dispose()
        first.close()
