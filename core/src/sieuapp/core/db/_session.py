from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, g, has_app_context
from sqlalchemy.orm import Session, sessionmaker

_KEY = "_sieuapp_session"


def current_session() -> Session:
    """The session of the current app context (a request, a task, a CLI command)."""
    if not has_app_context():
        raise RuntimeError("no app context: use unit_of_work(sessionmaker) outside requests")
    session = g.get(_KEY)
    if session is None:
        session = current_app.extensions["sieuapp"].sessionmaker()
        setattr(g, _KEY, session)
    return session


def close_current_session(error: BaseException | None = None) -> None:
    session = g.pop(_KEY, None)
    if session is not None:
        if error is not None or session.in_transaction():
            session.rollback()
        session.close()


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back otherwise."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
