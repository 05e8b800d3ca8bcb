"""The core's migrations build the schema its models describe, on SQLite and on PostgreSQL: a
model changed without its migration (or the reverse) fails here, not at a province's upgrade."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sieuapp.core.db import Base
from sieuapp.core.db import models as _models  # noqa: F401  (fills the metadata)


def test_the_migrations_match_the_models(make_platform):
    platform = make_platform(plugins=[])
    with platform.runtime.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
