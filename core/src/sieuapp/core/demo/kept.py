"""Secrets the demo makes once and keeps in its data folder, so that a restart keeps what they
signed (sessions, a gateway's messages)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def kept_secret(data_dir: Path, name: str) -> str:
    """The secret stored in ``data_dir/name``, made (32 random URL-safe characters or more,
    readable by the owner only) the first time it is asked for."""
    path = data_dir / name
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value
