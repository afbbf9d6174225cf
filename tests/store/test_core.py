"""The Store itself: checkpointing SQLite's write-ahead log on request."""

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
