"""The Store itself: checkpointing SQLite's write-ahead log on request, step fingerprints per version."""

from __future__ import annotations

import os

from sopengine.planning.ledger_planner import LedgerPlanner
from sopengine.store import Store
from sopengine.store.apply import apply

from .camp_world import at, camp, groups


def test_checkpoint_copies_the_wal_into_the_database_file(tmp_path, host):
    path = tmp_path / "ledger.db"
    store = Store.open(f"sqlite:///{path}", host.kinds, planner=LedgerPlanner())
    try:
        with store.engine.connect():  # keep a connection open: closing the last one checkpoints by itself
            before = os.path.getsize(path)
            apply(store, [camp()], groups(200), at(0))
            assert os.path.getsize(path) == before  # the new pages wait in the WAL (64 MiB threshold)
            store.checkpoint()
            assert os.path.getsize(path) > before
    finally:
        store.close()


def test_step_fingerprints_are_the_planning_versions_and_empty_when_it_no_longer_loads(store, host):
    from sopengine.model.definition import step_fingerprint

    apply(store, [camp()], groups(1), at(0))
    with store.engine.connect() as conn:
        version_id = conn.exec_driver_sql("SELECT max(id) FROM sop_versions").scalar_one()
    sop = camp()
    assert store.step_fingerprints(version_id) == {s.id: step_fingerprint(sop, s) for s in sop.steps}
    # a step kind whose plugin is gone: that version's actions will count as changed on re-apply
    blind = Store(store.engine, {k: v for k, v in host.kinds.items() if k != "topic"})
    assert blind.step_fingerprints(version_id) == {}


def test_only_an_apply_gets_the_large_sqlite_page_cache(tmp_path, host):
    """A daemon's connections keep SQLite's default cache (it holds a large ledger for hours);
    an apply's connection has the large one while it writes, and gives it back."""
    from sqlalchemy import event

    from sopengine.store.database import BULK_CACHE_KIB

    store = Store.open(f"sqlite:///{tmp_path / 'ledger.db'}", host.kinds, planner=LedgerPlanner())
    during: list[int] = []

    @event.listens_for(store.engine, "before_cursor_execute")
    def seen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO actions") and not during:
            during.append(cursor.connection.execute("PRAGMA cache_size").fetchone()[0])

    try:
        apply(store, [camp()], groups(2), at(0))
        with store.engine.connect() as conn:
            after = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    finally:
        store.close()
    assert during == [-BULK_CACHE_KIB] and after == -2000


def test_sop_zones_are_each_current_versions_zone_read_without_building_its_sop(store, host):
    """The zones come from the stored definitions alone: a store whose step kinds are gone (no
    SOP of it builds) still tells each SOP's zone, and a new version's zone replaces the old."""
    import dataclasses
    from zoneinfo import ZoneInfo

    sop = camp()
    apply(store, [sop], groups(1), at(0))
    assert store.sop_zones() == {sop.id: sop.timezone}
    moved = dataclasses.replace(sop, timezone=ZoneInfo("Europe/Berlin"), content_hash="moved")
    apply(store, [moved], groups(1), at(0))
    blind = Store(store.engine, {})
    assert blind.sop_zones() == {sop.id: ZoneInfo("Europe/Berlin")}


def test_deferred_kinds_are_loaded_once_on_first_use(tmp_path, host):
    """A store opened to read asks for its step kinds only when it builds a stored SOP."""
    from sopengine.store import DeferredKinds

    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    writer = Store.open(url, host.kinds, planner=LedgerPlanner())
    try:
        apply(writer, [camp()], groups(1), at(0))
    finally:
        writer.close()
    loads: list[int] = []

    def load():  # type: ignore[no-untyped-def]
        loads.append(1)
        return host.kinds

    store = Store.open(url, DeferredKinds(load), create=False)
    try:
        assert store.sop_zones() == {camp().id: camp().timezone}
        assert store.status(at(0)) and store.status_summary(at(0), 5).pairs == 1
        assert loads == []  # counts, times and zones need no step model
        with store.engine.connect() as conn:
            version_id = conn.exec_driver_sql("SELECT max(id) FROM sop_versions").scalar_one()
        assert store.sop_version(version_id).id == camp().id
        assert "topic" in store.kinds and loads == [1]
    finally:
        store.close()
