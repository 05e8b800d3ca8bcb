"""A citizen's favourite numbers, in the plugin's own table, always scoped to one tenant."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import Favorite, utcnow


def of_user(session: Session, tenant_id: int, user_id: str) -> list[Favorite]:
    return list(
        session.scalars(
            select(Favorite)
            .where(Favorite.tenant_id == tenant_id, Favorite.user_id == user_id)
            .order_by(Favorite.created_at, Favorite.id)
        )
    )


def get(session: Session, tenant_id: int, user_id: str, number: str) -> Favorite | None:
    return session.scalar(
        select(Favorite).where(
            Favorite.tenant_id == tenant_id,
            Favorite.user_id == user_id,
            Favorite.number == number,
        )
    )


def add(session: Session, tenant_id: int, user_id: str, number: str) -> tuple[Favorite, bool]:
    """The favourite and whether it is new. Adding one twice is not an error: a double tap or
    a retried request on a weak mobile connection must not show the citizen a failure."""
    values = {
        "tenant_id": tenant_id,
        "user_id": user_id,
        "number": number,
        "created_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        # ON CONFLICT DO NOTHING: two concurrent requests cannot both insert, and the loser
        # does not abort the request's transaction (as a caught IntegrityError would on PG).
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table = Favorite.__table__
        inserted = session.execute(
            insert(table)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["tenant_id", "user_id", "number"])
            .returning(table.c.id)
        ).first()
        # RETURNING gives a row only when one was inserted; rowcount is not reliable here.
        created = inserted is not None
    else:  # pragma: no cover - the platform runs on SQLite and PostgreSQL only
        created = get(session, tenant_id, user_id, number) is None
        if created:
            session.add(Favorite(**values))
            session.flush()
    favorite = get(session, tenant_id, user_id, number)
    assert favorite is not None
    return favorite, created


def remove(session: Session, tenant_id: int, user_id: str, number: str) -> Favorite | None:
    """Delete one favourite; returns what was deleted, or None when there was none."""
    favorite = get(session, tenant_id, user_id, number)
    if favorite is not None:
        session.delete(favorite)
        session.flush()
    return favorite


def erase(session: Session, tenant_id: int, user_id: str) -> int:
    """Delete all of a user's favourites in a tenant; returns how many there were."""
    result = session.execute(
        delete(Favorite).where(Favorite.tenant_id == tenant_id, Favorite.user_id == user_id)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
