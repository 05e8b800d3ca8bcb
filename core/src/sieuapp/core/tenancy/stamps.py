"""Module-state versions shared by every worker process of one host, so that a request can tell
whether its cached view of a tenant is current without asking the database.

The database stays the truth (``tenants.modules_version``); a stamp is a copy written after each
commit that moves a version. A request trusts its cache only when the stamp equals the cached
version, and reads the database otherwise, so a missing or stale stamp costs a query, never a
wrong answer."""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
import threading
from pathlib import Path
from typing import Protocol

from sqlalchemy.engine import make_url

SLOT = struct.Struct("<q")
#: Tenant ids beyond this read as unknown (database path); 34 provinces need 34.
CAPACITY = 4096


class Stamps(Protocol):
    def read(self, tenant_id: int) -> int | None:
        """The latest published version, or None when unknown."""

    def publish(self, tenant_id: int, version: int) -> None:
        """Record ``version`` unless a later one is there already."""


class NoStamps:
    """Every request reads the database (several hosts and no shared file)."""

    def read(self, tenant_id: int) -> int | None:
        return None

    def publish(self, tenant_id: int, version: int) -> None:
        return None


class MemoryStamps:
    """For an in-memory database, which only this process can see."""

    def __init__(self) -> None:
        self._versions: dict[int, int] = {}
        self._lock = threading.Lock()

    def read(self, tenant_id: int) -> int | None:
        return self._versions.get(tenant_id)

    def publish(self, tenant_id: int, version: int) -> None:
        with self._lock:
            if self._versions.get(tenant_id, 0) < version:
                self._versions[tenant_id] = version


class FileStamps:
    """A memory-mapped file in the instance folder, shared by the workers of one host."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < SLOT.size * CAPACITY:
                os.ftruncate(fd, SLOT.size * CAPACITY)
            self._map = mmap.mmap(fd, SLOT.size * CAPACITY)
        finally:
            os.close(fd)

    def read(self, tenant_id: int) -> int | None:
        if not 0 <= tenant_id < CAPACITY:
            return None
        return SLOT.unpack_from(self._map, tenant_id * SLOT.size)[0]

    def publish(self, tenant_id: int, version: int) -> None:
        if not 0 <= tenant_id < CAPACITY:
            return
        # Read-compare-write under a lock, so that a slower writer of an older version can
        # never overwrite a newer one.
        with open(self.path, "rb+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if SLOT.unpack_from(self._map, tenant_id * SLOT.size)[0] < version:
                    SLOT.pack_into(self._map, tenant_id * SLOT.size, version)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def close(self) -> None:
        self._map.close()


def make_stamps(mode: str, database_url: str, instance_path: Path) -> Stamps:
    """``file`` (in the instance folder: every process using the database must share it) or
    ``none``; ``auto`` is a file beside a SQLite database, which is on one host by nature, so
    every process that opens the database finds the same stamps, and ``none`` otherwise."""
    if mode == "auto":
        url = make_url(database_url)
        if url.get_backend_name() != "sqlite":
            return NoStamps()
        if url.database in (None, "", ":memory:"):
            return MemoryStamps()
        return FileStamps(Path(f"{url.database}-stamps"))
    if mode == "file":
        return FileStamps(instance_path / "modules.stamps")
    if mode == "none":
        return NoStamps()
    raise ValueError(f"SIEUAPP_MODULE_STAMPS={mode!r}: use 'auto', 'file' or 'none'")
