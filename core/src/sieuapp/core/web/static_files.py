"""Serving a package's own static files: no CDN, no external asset, every byte from us.

Each file is read once per process and answered with an ETag of its content. A file whose URL
carries ``?v=<digest>`` may be cached for a year (the URL changes with the content); without
it the browser revalidates, which is what ES modules need: they import each other by plain
relative URLs that cannot carry a version.
"""

from __future__ import annotations

import hashlib
import mimetypes
from functools import cache
from importlib.resources import files
from pathlib import PurePosixPath

from flask import Response, abort, request

YEAR = 365 * 24 * 3600
#: Only these kinds are served: a stray file in the folder (a backup, a source map) is not.
TYPES = {
    ".css": "text/css",
    ".js": "text/javascript",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
}


class StaticFiles:
    """The files under ``folder`` of ``package``, answered by their path relative to it."""

    def __init__(self, package: str, folder: str = "static") -> None:
        self.package = package
        self.folder = folder

    @cache  # noqa: B019 - one instance per folder for the life of the process
    def _read(self, name: str) -> tuple[bytes, str] | None:
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts or path.suffix not in TYPES:
            return None
        resource = files(self.package).joinpath(self.folder, *path.parts)
        if not resource.is_file():
            return None
        body = resource.read_bytes()
        return body, hashlib.sha256(body).hexdigest()[:16]

    def digest(self, name: str) -> str:
        found = self._read(name)
        if found is None:
            raise LookupError(f"no static file {name!r} in {self.package}/{self.folder}")
        return found[1]

    def response(self, name: str) -> Response:
        """The file, 304 when the browser has it, 404 when there is no such file."""
        found = self._read(name)
        if found is None:
            abort(404)
        body, digest = found
        etag = f'"{digest}"'
        if etag in request.headers.get("If-None-Match", ""):
            response = Response(status=304)
        else:
            mimetype = TYPES.get(PurePosixPath(name).suffix) or mimetypes.guess_type(name)[0]
            response = Response(body, mimetype=mimetype)
        response.headers["ETag"] = etag
        response.headers["X-Content-Type-Options"] = "nosniff"
        if request.args.get("v") == digest:
            response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        else:
            response.headers["Cache-Control"] = "no-cache"
        return response
