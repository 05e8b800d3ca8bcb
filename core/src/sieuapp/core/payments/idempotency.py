"""``Idempotency-Key``: the same request sent again gets the first answer, never a second effect.

The key is stored in the transaction that does the work, with a digest of the request and the
answer: both commit together or not at all. A second request with the key while the first is
still running waits on the key's unique index (PostgreSQL) or on the single writer (SQLite),
then finds the stored answer. The same key with a different request is refused: the client
has a bug, and guessing which request it meant could charge someone twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sieuapp.sdk.errors import InvalidInput, PlatformError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import utcnow
from ..plugins._acting import savepoint_safe
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_LENGTH = 255
#: How long a key answers for its request: far longer than any client retries one.
KEPT_FOR = timedelta(days=7)


class KeyReused(PlatformError):
    status = 422
    code = "idempotency_key_reused"


def check_key(key: Any, field: str = HEADER) -> str:
    if (
        not isinstance(key, str)
        or not 1 <= len(key) <= MAX_LENGTH
        or not key.isascii()
        or not key.isprintable()
    ):
        raise InvalidInput(
            "The idempotency key is invalid.",
            {field: [f"1 to {MAX_LENGTH} printable ASCII characters."]},
        )
    return key


def digest(operation: str, request: Any) -> str:
    canonical = json.dumps([operation, request], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored(session: Session, tenant_id: int, owner: str, key: str) -> IdempotencyKey | None:
    return session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.tenant_id == tenant_id,
            IdempotencyKey.owner == owner,
            IdempotencyKey.key == key,
        )
    )


def _replay(row: IdempotencyKey, operation: str, request_digest: str) -> tuple[int, Any]:
    if row.operation != operation or row.request_digest != request_digest:
        raise KeyReused(
            "This Idempotency-Key was used for a different request.",
            {HEADER: ["Already used with another request; use a new key for a new request."]},
        )
    return row.status_code, row.response


def once(
    session: Session,
    tenant_id: int,
    owner: str,
    key: str | None,
    operation: str,
    request: Any,
    work: Callable[[], tuple[int, Any]],
) -> tuple[int, Any, bool]:
    """Run ``work`` (returning a status and a JSON answer) once per key; returns the status, the
    answer and whether it is a replay. Without a key, ``work`` just runs."""
    if key is None:
        status, answer = work()
        return status, answer, False
    key = check_key(key)
    request_digest = digest(operation, request)
    row = _stored(session, tenant_id, owner, key)
    if row is not None:
        return (*_replay(row, operation, request_digest), True)
    claim = IdempotencyKey(
        tenant_id=tenant_id,
        owner=owner,
        key=key,
        operation=operation,
        request_digest=request_digest,
        status_code=0,
        response={},
    )
    try:
        # Claim the key before doing anything: a concurrent request with it waits here until
        # this transaction ends, then finds the answer instead of doing the work again.
        if savepoint_safe(session):
            with session.begin_nested():
                session.add(claim)
        else:
            session.add(claim)
            session.flush()
    except IntegrityError:
        row = _stored(session, tenant_id, owner, key)
        if row is None:
            raise
        return (*_replay(row, operation, request_digest), True)
    status, answer = work()
    claim.status_code = status
    claim.response = answer
    session.flush()
    return status, answer, False


def forget_old(session: Session) -> int:
    """Periodic: drop keys older than ``KEPT_FOR``; the same key after that is a new request."""
    result = session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - KEPT_FOR)
    )
    return max(result.rowcount or 0, 0)
