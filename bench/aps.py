"""The APScheduler 3 side of the comparisons: adding DateTrigger jobs (one per action), adding
the jobs an APScheduler user would write (a CronTrigger per recurring step, a DateTrigger per
one-off), and a same-instant burst.

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
from typing import Any, Callable, Sequence

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
    def add(sched: Any) -> None:
        for job_id, when in jobs:
            sched.add_job(ran, "date", run_date=when, id=job_id)
    return _adding_seconds(path, add)


def _adding_seconds(path: Path, add: Callable[[Any], None]) -> float:
    """Seconds ``add(scheduler)`` takes on a paused scheduler with a fresh SQLAlchemyJobStore."""
    sched, engine = _scheduler(path)
    sched.start(paused=True)
    try:
        t = time.perf_counter()
        add(sched)
        return time.perf_counter() - t
    finally:
        sched.shutdown(wait=False)
        engine.dispose()
        remove(path)


def natural_jobs(sop: Any, groups: Sequence[Any]) -> list[tuple[str, Any]]:
    """(job id, trigger) as an APScheduler user would schedule ``sop`` for ``groups``: each part
    of a cron step one CronTrigger from its first day to its last, each part of an ``at`` step
    one DateTrigger. (APScheduler has no holidays, quiet hours or part offsets: those are left
    out, which only makes its side cheaper.)"""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.date import DateTrigger

    from sopengine.planning.timing import parse_at, parse_days

    tz = sop.timezone
    shift = datetime.now(timezone.utc).date() - min(g.start for g in groups) + timedelta(days=30)
    jobs: list[tuple[str, Any]] = []
    for g in groups:
        start = g.start + shift  # into the future, so nothing is due while it runs
        for step in sop.steps:
            for part, _offset in step.parts():
                job_id = f"{sop.id}/{step.id}/{part or ''}/{g.id}"
                if step.cron is not None:
                    days = parse_days(step.days).clip(sop.lifetime)
                    last = days.last if days.last is not None else (sop.lifetime or 30)
                    jobs.append((job_id, CronTrigger(
                        **_cron_fields(step.cron), timezone=tz,
                        start_date=datetime.combine(start + timedelta(days=days.first), datetime.min.time(), tz),
                        end_date=datetime.combine(start + timedelta(days=last + 1), datetime.min.time(), tz))))
                elif step.at is not None:
                    for n, spec in enumerate([step.at] if isinstance(step.at, str) else step.at):
                        run = parse_at(spec).local_naive(start).replace(tzinfo=tz)
                        jobs.append((f"{job_id}/{n}", DateTrigger(run_date=run)))
    return jobs


def _cron_fields(expr: str) -> dict[str, str]:
    minute, hour, day, month, day_of_week = expr.split()
    # crontab weekdays count from Sunday (0); APScheduler's day_of_week from Monday, names agree
    names = {"0": "sun", "7": "sun", "1": "mon", "2": "tue", "3": "wed", "4": "thu", "5": "fri", "6": "sat"}
    if day_of_week != "*":
        day_of_week = ",".join("-".join(names.get(x, x) for x in item.split("-")) for item in day_of_week.split(","))
    return {"minute": minute, "hour": hour, "day": day, "month": month, "day_of_week": day_of_week}


def add_triggers_seconds(path: Path, jobs: Sequence[tuple[str, Any]]) -> float:
    """Seconds to add ``jobs`` (id, trigger) to a paused scheduler's SQLAlchemyJobStore."""
    def add(sched: Any) -> None:
        for job_id, trigger in jobs:
            sched.add_job(ran, trigger, id=job_id)
    return _adding_seconds(path, add)


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
