"""The migrations build exactly the schema the code declares, on every backend."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from sopengine.store.database import migrate
from sopengine.store.tables import metadata


def test_migrated_schema_matches_tables(store):
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []


def test_migrate_is_idempotent(store):
    migrate(store.engine)
    migrate(store.engine)
