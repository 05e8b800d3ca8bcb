"""Answers of the assurance flows that the API and the pages render alike."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sieuapp.sdk.errors import PlatformError


class RetryLater(PlatformError):
    """Too many codes or attempts: answered ``429`` with ``Retry-After``."""

    status = 429
    code = "too_many_requests"

    def __init__(
        self, message: str, retry_after: int, errors: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        super().__init__(message, errors)
        self.retry_after = max(1, retry_after)
