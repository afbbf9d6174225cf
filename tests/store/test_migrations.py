"""The migrations build exactly the schema the code declares, on every backend."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from sopengine.planning.ledger_planner import LedgerPlanner
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


def _stepwise(store_url: str):
    """(an engine on ``store_url``, an instant as the backend stores it in SQL, ``to(revision,
    downgrade=False)`` that migrates it one way or the other without the store's own steps)."""
    from alembic import command
    from alembic.config import Config

    from sopengine.store.database import MIGRATIONS, create_store_engine

    engine = create_store_engine(store_url)
    t = "1789000000000000" if engine.dialect.name == "sqlite" else "'2026-09-19 02:00:00'"
    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)

    def to(revision: str, downgrade: bool = False) -> None:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            (command.downgrade if downgrade else command.upgrade)(cfg, revision)

    return engine, t, to


def test_0006_to_0008_keep_rows_and_unique_keys(store_url):
    """Rows planned before 0006 survive it, 0007 and 0008; a key stays unique after them and again
    after a downgrade."""
    from sqlalchemy import exc, inspect

    row = ("INSERT INTO actions (key, sop_id, step, group_id, kind, channel, due, deadline, state, next_attempt_at,"
           " attempts, progress, occurrence, day, step_index, part_index, fingerprint, version_id, updated_at)"
           " VALUES ('s/a/g/2026-09-19T10:00', 's', 'a', 'g', 'message', 'wechat', {t}, {t}, 'planned', {t},"
           " 0, 0, 0, 0, 0, 0, '', 1, {t})")
    engine, t, to = _stepwise(store_url)

    def duplicate_refused() -> bool:
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql(row.format(t=t))
        except exc.IntegrityError:
            return True
        return False

    try:
        to("0005")
        with engine.begin() as conn:
            conn.exec_driver_sql(row.format(t=t))
        to("0006")
        indexes = {i["name"]: (i["column_names"], i["unique"]) for i in inspect(engine).get_indexes("actions")}
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM actions").scalar_one() == 1
        assert indexes["ux_actions_group_step_key"] == (["group_id", "step", "key"], True)
        assert "ix_actions_group_step" not in indexes and duplicate_refused()
        to("0007")  # the fingerprint column goes; the row stays
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM actions").scalar_one() == 1
        assert "fingerprint" not in {c["name"] for c in inspect(engine).get_columns("actions")}
        to("0008")  # the claim index holds the claim order
        claim = {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("actions")}["ix_actions_claim"]
        assert claim == ["state", "next_attempt_at", "step_index", "part_index", "id"]
        to("0005", downgrade=True)
        indexes = {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("actions")}
        assert "ix_actions_group_step" in indexes and indexes["ix_actions_claim"] == ["state", "next_attempt_at"]
        assert duplicate_refused()
    finally:
        engine.dispose()


def test_sqlite_planner_finds_a_groups_actions_through_the_group_index(tmp_path):
    """Without the statistics 0006 writes, SQLite read a group's planned actions through the
    claim index, that is every planned action of every group."""
    from sopengine.store.database import create_store_engine

    engine = create_store_engine(f"sqlite:///{tmp_path / 'plan.db'}")
    migrate(engine)
    with engine.connect() as conn:
        plans = [" ".join(r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
                 for sql in ("SELECT id FROM actions WHERE group_id = 'g' AND sop_id = 's' AND state = 'planned'",
                             "SELECT id FROM actions WHERE group_id = 'g' AND step = 'a' AND state = 'planned'",
                             "SELECT id FROM actions WHERE state = 'planned' AND next_attempt_at <= 5")]
    engine.dispose()
    assert "ux_actions_group_step_key (group_id=?)" in plans[0]
    assert "ux_actions_group_step_key (group_id=? AND step=?)" in plans[1]
    assert "ix_actions_claim (state=? AND next_attempt_at<?)" in plans[2]


def test_sqlite_claims_read_each_range_of_the_claim_index_in_order(tmp_path):
    """A claim reads its batch off the claim index in claim order, one range per state; only the
    merged batch (at most a few batches' rows) is sorted, never every action already due."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import event

    from sopengine.plugins import load_plugins
    from sopengine.store import Store
    from sopengine.store.claims import claim_due

    store = Store.open(f"sqlite:///{tmp_path / 'claim.db'}", load_plugins().kinds, planner=LedgerPlanner())
    plans: list[list[str]] = []

    @event.listens_for(store.engine, "before_cursor_execute")
    def explain(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().startswith("WITH paused_groups"):
            plans.append([r[-1] for r in cursor.connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)])

    claim_due(store, datetime(2026, 9, 19, tzinfo=timezone.utc), "me", 500, timedelta(minutes=1))
    store.engine.dispose()
    [plan] = plans
    assert [p for p in plan if "actions" in p] == [
        "SEARCH actions USING INDEX ix_actions_claim (state=? AND next_attempt_at<?)"] * 2 + [
        "SEARCH actions USING INDEX ix_actions_claim (state=?)"]
    assert [p for p in plan if "TEMP B-TREE" in p] == ["USE TEMP B-TREE FOR ORDER BY"]  # the merge only


def test_head_revision_names_the_newest_migration():
    from alembic.script import ScriptDirectory

    from sopengine.store.database import HEAD_REVISION, migration_config

    assert ScriptDirectory.from_config(migration_config()).get_current_head() == HEAD_REVISION


def test_counts_are_filled_from_the_actions_already_there_and_their_triggers_reinstall(tmp_path):
    from alembic import command
    from sqlalchemy import text

    from sopengine.store import pair_counts
    from sopengine.store.database import create_store_engine, migration_config

    engine = create_store_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = migration_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0017")
        for n, state in enumerate(["planned", "planned", "done"]):
            conn.execute(text(
                "INSERT INTO actions (key, sop_id, step, group_id, kind, channel, due, deadline, state,"
                " next_attempt_at, attempts, progress, occurrence, day, step_index, part_index, version_id,"
                " updated_at) VALUES (:key, 's', 'st', 'g', 'message', 'wechat', 0, 0, :state, 0, 0, 0, 0, 0, 0, 0,"
                " 1, 0)"), {"key": f"s/st/g/{n}", "state": state})
    migrate(engine)
    with engine.begin() as conn:
        assert pair_counts.read(conn) == {("s", "g"): {"planned": 2, "done": 1}}
        conn.exec_driver_sql("DROP TRIGGER actions_count_update")  # as rebuilding the table would
        pair_counts.install(conn)  # what migrate does after every upgrade
        pair_counts.install(conn)
        conn.exec_driver_sql("UPDATE actions SET state = 'done' WHERE state = 'planned'")
        assert pair_counts.read(conn) == {("s", "g"): {"done": 3}}
        assert pair_counts.drift(conn) == {}


def test_0022_keeps_every_key_and_stores_only_its_tail(store_url):
    """Keys planned before 0022 read back the same after it (the key is worked out from the SOP,
    the step and the stored tail); two SOPs may share a step id, a group and a time; a key is still
    unique; the partial index stays partial; a downgrade brings the stored keys back."""
    from sqlalchemy import exc, inspect, select

    from sopengine.store.tables import actions

    keys = ["s/a/g/2026-09-19T10:00", "s/d/notice/g/2026-09-19T10:00", "s/w/m.7/g/2026-09-19T10:00",
            "t/a/g/2026-09-19T10:00"]
    row = ("INSERT INTO actions (key, sop_id, step, part, group_id, kind, channel, due, deadline, state,"
           " next_attempt_at, attempts, progress, occurrence, day, step_index, part_index, version_id, updated_at)"
           " VALUES ('{key}', '{sop}', '{step}', NULL, 'g', 'message', 'wechat', {t}, {t}, 'planned', {t},"
           " 0, 0, 0, 0, 0, 0, 1, {t})")
    engine, t, to = _stepwise(store_url)

    def stored_keys() -> list[str]:
        with engine.connect() as conn:
            return sorted(conn.exec_driver_sql("SELECT key FROM actions").scalars())

    try:
        to("0021")
        with engine.begin() as conn:
            for key in keys:
                sop, step = key.split("/")[:2]
                conn.exec_driver_sql(row.format(key=key, sop=sop, step=step, t=t))
        migrate(engine)
        assert stored_keys() == keys
        with engine.connect() as conn:
            tails = sorted(conn.execute(select(actions.c.key_tail)).scalars())
        assert tails == ["g/2026-09-19T10:00", "g/2026-09-19T10:00", "m.7/g/2026-09-19T10:00",
                         "notice/g/2026-09-19T10:00"]
        indexes = {i["name"]: i for i in inspect(engine).get_indexes("actions")}
        assert indexes["ux_actions_group_step_key"]["column_names"] == ["group_id", "step", "key_tail", "sop_id"]
        assert indexes["ux_actions_group_step_key"]["unique"]
        where = indexes["ix_actions_waiting"].get("dialect_options", {})
        assert "planned" in str(where.get(f"{engine.dialect.name}_where", ""))
        try:  # the same key again is refused
            with engine.begin() as conn:
                conn.exec_driver_sql(
                    "INSERT INTO actions (key_tail, sop_id, step, group_id, kind, channel, due, deadline, state,"
                    " next_attempt_at, attempts, progress, occurrence, day, step_index, part_index, version_id,"
                    f" updated_at) VALUES ('g/2026-09-19T10:00', 's', 'a', 'g', 'message', 'wechat', {t}, {t},"
                    f" 'planned', {t}, 0, 0, 0, 0, 0, 0, 1, {t})")
            refused = False
        except exc.IntegrityError:
            refused = True
        assert refused
        to("0021", downgrade=True)
        assert stored_keys() == keys
        assert "key_tail" not in {c["name"] for c in inspect(engine).get_columns("actions")}
        if engine.dialect.name == "sqlite":  # the rebuild dropped the count triggers and statistics
            with engine.connect() as conn:
                triggers = set(conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'actions'").scalars())
                stats = set(conn.exec_driver_sql("SELECT idx FROM sqlite_stat1 WHERE tbl = 'actions'").scalars())
            assert triggers == {"actions_count_update", "actions_count_delete"}
            assert stats == {"ix_actions_claim", "ux_actions_group_step_key", "ix_actions_waiting", "ix_actions_due"}
    finally:
        engine.dispose()


def test_0022_refuses_a_key_that_does_not_start_with_its_sop_and_step(store_url):
    import pytest

    engine, t, to = _stepwise(store_url)
    try:
        to("0021")
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO actions (key, sop_id, step, group_id, kind, channel, due, deadline, state,"
                " next_attempt_at, attempts, progress, occurrence, day, step_index, part_index, version_id,"
                f" updated_at) VALUES ('other/a/g/2026-09-19T10:00', 's', 'a', 'g', 'message', 'wechat', {t}, {t},"
                f" 'planned', {t}, 0, 0, 0, 0, 0, 0, 1, {t})")
        with pytest.raises(RuntimeError, match="does not start with their SOP and step"):
            migrate(engine)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == "0021"
            assert conn.exec_driver_sql("SELECT key FROM actions").scalar_one() == "other/a/g/2026-09-19T10:00"
    finally:
        engine.dispose()


def test_0023_keeps_each_sops_sums_beside_the_pairs_counts(store_url):
    """0023 fills ``sop_counts`` from the counts already there (SQLite's ``pair_counts`` loses its
    rowid, keeping its rows and index); from then on every change of a count moves its SOP's sum.
    A downgrade drops the sums and gives SQLite's counts their rowid back, still kept."""
    from sqlalchemy import inspect

    from sopengine.store import pair_counts

    row = ("INSERT INTO actions (key_tail, sop_id, step, group_id, kind, channel, due, deadline, state,"
           " next_attempt_at, attempts, progress, occurrence, day, step_index, part_index, version_id, updated_at)"
           " VALUES ('{group}/{n}', '{sop}', 'a', '{group}', 'message', 'wechat', {t}, {t}, '{state}', {t},"
           " 0, 0, 0, 0, 0, 0, 1, {t})")
    engine, t, to = _stepwise(store_url)
    sqlite = engine.dialect.name == "sqlite"

    def pair_counts_sql() -> str:
        with engine.connect() as conn:
            return str(conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'pair_counts'").scalar())

    try:
        to("0022")
        with engine.begin() as conn:
            for n, (sop, group, state) in enumerate([("s", "g1", "planned"), ("s", "g1", "done"), ("s", "g2", "done"),
                                                     ("u", "g1", "failed")]):
                conn.exec_driver_sql(row.format(sop=sop, group=group, state=state, n=n, t=t))
            conn.exec_driver_sql("DELETE FROM pair_counts")  # what the store or 0022's triggers counted
            conn.exec_driver_sql("DELETE FROM pair_count_deltas")
            conn.exec_driver_sql("INSERT INTO pair_counts (sop_id, group_id, state, n) SELECT sop_id, group_id,"
                                 " state, count(*) FROM actions GROUP BY sop_id, group_id, state")
        migrate(engine)
        with engine.begin() as conn:
            assert pair_counts.read_sops(conn) == {"s": {"planned": 1, "done": 2}, "u": {"failed": 1}}
            conn.exec_driver_sql("UPDATE actions SET state = 'done' WHERE state = 'planned'")
            pair_counts.fold(conn)
            assert pair_counts.read_sops(conn) == {"s": {"done": 3}, "u": {"failed": 1}}
            assert pair_counts.drift(conn) == {}
        assert {i["name"] for i in inspect(engine).get_indexes("pair_counts")} == {"ix_pair_counts_group"}
        if sqlite:
            assert "WITHOUT ROWID" in pair_counts_sql()
            with engine.connect() as conn:
                bodies = dict(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all())
            assert set(bodies) == {"actions_count_update", "actions_count_delete"}
            assert all("sop_counts" in body for body in bodies.values())
        to("0022", downgrade=True)
        assert "sop_counts" not in inspect(engine).get_table_names()
        if sqlite:  # a rowid table again, its counts still kept by the actions' triggers
            assert "WITHOUT ROWID" not in pair_counts_sql()
            with engine.begin() as conn:
                bodies = dict(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all())
                assert set(bodies) == {"actions_count_update", "actions_count_delete"}
                assert not any("sop_counts" in body for body in bodies.values())
                conn.exec_driver_sql("UPDATE actions SET state = 'skipped' WHERE state = 'failed'")
                assert pair_counts.read(conn)[("u", "g1")] == {"skipped": 1}
    finally:
        engine.dispose()


def test_0024_mends_a_store_whose_sums_had_triggers_of_their_own(tmp_path, host):
    """A SQLite store first taken to 0023 when its sums were kept by triggers on ``pair_counts``:
    0024 drops those, so an apply's inserts are summed once, and counts the sums again."""
    from sopengine.planning.ledger_planner import LedgerPlanner
    from sopengine.store import Store, pair_counts
    from sopengine.store.apply import apply

    from .camp_world import at, camp, groups

    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine, _, to = _stepwise(url)
    try:
        to("0023")
        with engine.begin() as conn:  # as the first 0023 left it
            for event in ("update", "delete"):
                conn.exec_driver_sql(f"DROP TRIGGER actions_count_{event}")
            pair_counts.install(conn, sums=False)
            conn.exec_driver_sql("""CREATE TRIGGER pair_counts_sum_insert AFTER INSERT ON pair_counts
                BEGIN INSERT INTO sop_counts (sop_id, state, n) VALUES (new.sop_id, new.state, new.n)
                ON CONFLICT (sop_id, state) DO UPDATE SET n = n + excluded.n; END""")
            conn.exec_driver_sql("INSERT INTO sop_counts (sop_id, state, n) VALUES ('stale', 'done', 7)")
    finally:
        engine.dispose()
    store = Store.open(url, host.kinds, planner=LedgerPlanner())
    try:
        apply(store, [camp()], groups(3), at(0))
        with store.engine.connect() as conn:
            triggers = set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
            assert triggers == {"actions_count_update", "actions_count_delete"}
            assert pair_counts.drift(conn) == {}
            assert "stale" not in pair_counts.read_sops(conn)
    finally:
        store.close()
