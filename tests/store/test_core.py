"""The Store itself: checkpointing SQLite's write-ahead log on request, step fingerprints per version."""

from __future__ import annotations

import os

from sopengine.store import Store
from sopengine.store.apply import apply

from .test_apply import at, camp, groups


def test_checkpoint_copies_the_wal_into_the_database_file(tmp_path, host):
    path = tmp_path / "ledger.db"
    store = Store.open(f"sqlite:///{path}", host.kinds)
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
    from sopengine.definition import step_fingerprint

    apply(store, [camp()], groups(1), at(0))
    with store.engine.connect() as conn:
        version_id = conn.exec_driver_sql("SELECT max(id) FROM sop_versions").scalar_one()
    sop = camp()
    assert store.step_fingerprints(version_id) == {s.id: step_fingerprint(sop, s) for s in sop.steps}
    # a step kind whose plugin is gone: that version's actions will count as changed on re-apply
    blind = Store(store.engine, {k: v for k, v in host.kinds.items() if k != "topic"})
    assert blind.step_fingerprints(version_id) == {}
