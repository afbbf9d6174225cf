"""Daemons on one store: each registers, beats, and says when it stops; others count the living."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Mapping

from sqlalchemy import func, insert, select, update

from sopengine.store.core import Database
from sopengine.store.database import to_db
from sopengine.store.tables import workers


def register_worker(store: Database, worker_id: str, host: str, pid: int, now: datetime) -> None:
    """Record a daemon starting."""
    with store.engine.begin() as conn:
        conn.execute(insert(workers).values(id=worker_id, host=host, pid=pid, started_at=to_db(now),
                                            heartbeat_at=to_db(now), stats={}))


def heartbeat(store: Database, worker_id: str, now: datetime, stats: Mapping[str, Any]) -> None:
    """Record that the daemon is alive at ``now``, with what it has done so far."""
    with store.engine.begin() as conn:
        conn.execute(update(workers).where(workers.c.id == worker_id).values(heartbeat_at=to_db(now),
                                                                             stats=dict(stats)))


def unregister_worker(store: Database, worker_id: str, now: datetime, stats: Mapping[str, Any]) -> None:
    """Record a daemon stopping (cleanly: a crashed one simply stops beating)."""
    with store.engine.begin() as conn:
        conn.execute(update(workers).where(workers.c.id == worker_id).values(stopped_at=to_db(now),
                                                                             stats=dict(stats)))


def live_workers(store: Database, now: datetime, within: timedelta) -> int:
    """Daemons not stopped that beat within ``within`` of ``now``."""
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(workers).where(
            workers.c.stopped_at.is_(None), workers.c.heartbeat_at >= to_db(now - within))).scalar_one())
