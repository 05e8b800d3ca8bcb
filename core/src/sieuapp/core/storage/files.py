"""Files on the instance's disk, one space per tenant and plugin."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from sieuapp.sdk import StoredFile
from sieuapp.sdk.errors import InvalidInput, NotFound

KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}(/[A-Za-z0-9][A-Za-z0-9._-]{0,100}){0,5}$")
MAX_BYTES = 20 * 1024 * 1024


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, space: str, key: str) -> Path:
        if not KEY.match(key) or ".." in key:
            raise InvalidInput("Invalid storage key.", {"key": [f"{key!r} is not a valid key"]})
        return self.root / space / key

    def put(self, space: str, key: str, data: bytes, content_type: str) -> StoredFile:
        if len(data) > MAX_BYTES:
            raise InvalidInput("File too large.", {"data": [f"At most {MAX_BYTES} bytes."]})
        path = self._path(space, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
        path.with_name(path.name + ".type").write_text(content_type)
        return StoredFile(key=key, size=len(data), content_type=content_type)

    def get(self, space: str, key: str) -> bytes:
        path = self._path(space, key)
        if not path.is_file():
            raise NotFound(f"No file {key!r}.")
        return path.read_bytes()

    def delete(self, space: str, key: str) -> bool:
        path = self._path(space, key)
        if not path.is_file():
            return False
        path.unlink()
        path.with_name(path.name + ".type").unlink(missing_ok=True)
        return True
