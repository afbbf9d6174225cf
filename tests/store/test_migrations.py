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


def test_sqlite_text_times_from_before_0004_become_integers(tmp_path):
    from datetime import datetime

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import select

    from sopengine.store.database import MIGRATIONS, create_store_engine
    from sopengine.store.tables import actions

    engine = create_store_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
        conn.exec_driver_sql(  # as SQLAlchemy's SQLite DateTime wrote them
            "INSERT INTO actions (key, sop_id, step, group_id, kind, channel, due, deadline, state, next_attempt_at,"
            " attempts, progress, occurrence, day, step_index, part_index, fingerprint, version_id, updated_at)"
            " VALUES ('s/a/g/2026-09-19T10:00', 's', 'a', 'g', 'message', 'wechat', '2026-09-19 02:00:00.000000',"
            " '2026-09-19 03:00:00.000000', 'planned', '2026-09-19 02:00:00.000000', 0, 0, 0, 0, 0, 0, '', 1,"
            " '2026-09-18 16:00:00.123456')")
    migrate(engine)
    with engine.connect() as conn:
        row = conn.execute(select(actions)).one()
        kinds = conn.exec_driver_sql("SELECT typeof(due), typeof(updated_at), typeof(finished_at) FROM actions").one()
        later = conn.execute(select(actions.c.key).where(actions.c.due > datetime(2026, 9, 19, 1, 59))).all()
    engine.dispose()
    assert (row.due, row.deadline, row.updated_at) == (
        datetime(2026, 9, 19, 2), datetime(2026, 9, 19, 3), datetime(2026, 9, 18, 16, 0, 0, 123456))
    assert tuple(kinds) == ("integer", "integer", "null") and len(later) == 1
