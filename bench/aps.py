"""The APScheduler 3 side of the comparisons: adding DateTrigger jobs, and a same-instant burst.

Its SQLAlchemyJobStore gets an engine with sopengine's own SQLite settings
(WAL, synchronous=NORMAL), so both sides pay the same price per commit.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Sequence

from .fixtures import sqlite_engine
from .report import percentile

_runs: list[float] = []
_lock = threading.Lock()


def available() -> bool:
    try:
        import apscheduler  # noqa: F401
    except ImportError:
        return False
    return True


def version() -> str:
    import apscheduler
    return str(getattr(apscheduler, "__version__", "3"))


def ran() -> None:
    """The job: note when it started."""
    t = time.time()
    with _lock:
        _runs.append(t)


def _scheduler(path: Path, grace: float | None = 1.0) -> tuple[Any, Any]:
    remove(path)
    logging.getLogger("apscheduler").setLevel(logging.CRITICAL)  # a warning line per missed job would swamp stderr
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    engine = sqlite_engine(path)
    sched = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(engine=engine)},
                                job_defaults={"misfire_grace_time": grace}, timezone=timezone.utc)
    return sched, engine


def add_seconds(path: Path, jobs: Sequence[tuple[str, datetime]]) -> float:
    """Seconds to add ``jobs`` (id, run date) as one-shot DateTrigger jobs to a paused scheduler."""
    sched, engine = _scheduler(path)
    sched.start(paused=True)
    try:
        t = time.perf_counter()
        for job_id, when in jobs:
            sched.add_job(ran, "date", run_date=when, id=job_id)
        return time.perf_counter() - t
    finally:
        sched.shutdown(wait=False)
        engine.dispose()
        remove(path)


@dataclass
class BurstResult:
    n: int
    ran: int
    dropped: int
    errors: int
    completion: float
    p50: float
    p99: float
    worst: float
    add_late: float

    @property
    def throughput(self) -> float:
        return self.ran / self.completion if self.completion > 0 else float("nan")


def burst(path: Path, n: int, grace: float | None, timeout: float = 600.0) -> BurstResult:
    """``n`` DateTrigger jobs due at the same instant on a BackgroundScheduler; what became of them."""
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED

    scratch = path.with_suffix(".calibrate.db")
    calibrate = add_seconds(scratch, [(f"c{i}", _soon()) for i in range(200)])
    remove(scratch)
    sched, engine = _scheduler(path, grace)
    counts = {EVENT_JOB_EXECUTED: 0, EVENT_JOB_MISSED: 0, EVENT_JOB_ERROR: 0}
    last = [0.0]
    done = threading.Event()

    def listen(event: Any) -> None:
        with _lock:
            counts[event.code] += 1
            last[0] = time.time()
            if sum(counts.values()) >= n:
                done.set()

    sched.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    sched.start(paused=True)
    _runs.clear()
    due = datetime.now(timezone.utc) + timedelta(seconds=2 + 1.5 * calibrate / 200 * n)
    for i in range(n):
        sched.add_job(ran, "date", run_date=due, id=f"burst-{i}")
    add_late = max(0.0, time.time() - due.timestamp())
    sched.resume()
    done.wait(timeout + max(0.0, due.timestamp() - time.time()))
    sched.shutdown(wait=True)
    engine.dispose()
    remove(path)
    late = [t - due.timestamp() for t in _runs]
    return BurstResult(n, counts[EVENT_JOB_EXECUTED], counts[EVENT_JOB_MISSED], counts[EVENT_JOB_ERROR],
                       (last[0] - due.timestamp()) if last[0] else float("nan"),
                       percentile(late, 50), percentile(late, 99), max(late, default=float("nan")), add_late)


def remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _soon() -> datetime:
    return datetime.now(timezone.utc) + timedelta(hours=1)
