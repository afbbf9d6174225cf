"""The daemon loop: sweep, claim, dispatch, record — then sleep until the next due moment.

It never busy-polls: it computes the next moment anything is due and waits
for it, checking the store's change counter every ``watch_interval`` seconds
so ``apply``/``event``/``pause`` made while it sleeps are picked up. SIGTERM
and SIGINT finish the batch in flight, release unclaimed leases and exit.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Callable, Mapping


from sopengine.channels import Channel
from sopengine.store import DataStore, Outcome, states
from sopengine.daemon.clock import Clock
from sopengine.daemon.dispatcher import Dispatcher
from sopengine.daemon.handover import HandOverDesk
from sopengine.daemon.logs import get_logger, log_state
from sopengine.daemon.retry import RetryPolicy
from sopengine.notices.desk import NoticeDesk


#: The smallest claim, however many daemons share the store (never above ``batch_size``).
MIN_CLAIM = 100
#: The least idle time in which the daemon checkpoints and prepares the next batch.
IDLE_WORK_GAP = timedelta(seconds=1)
#: How many batches of the next due actions the daemon prepares for while idle: a 10,000 burst at
#: 08:00 is five batches of 2,000. Actions falling due together are claimed step by step across
#: groups, so that can be a group row per action, a few KB each: five batches hold about 35 MB
#: (the rows are let go as they are used).
PREPARE_BATCHES = 5
#: How often members' stages are looked at again (a stage changes by days, not minutes).
STAGE_CHECK_EVERY = timedelta(hours=1)


@dataclass
class RunStats:
    """What a run did: actions dispatched, by the state each came to, and what the deadline sweep
    moved later (an operator task not confirmed in time becomes overdue): counts of actions in
    each, never of state changes summed across them."""

    dispatched: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    swept: int = 0
    swept_by_state: dict[str, int] = field(default_factory=dict)
    #: Notices to operators, by what they came to (``sent``, ``cancelled``…).
    notices_by_state: dict[str, int] = field(default_factory=dict)

    def add(self, state: str, n: int = 1) -> None:
        self.by_state[state] = self.by_state.get(state, 0) + n

    def add_swept(self, state: str) -> None:
        self.swept += 1
        self.swept_by_state[state] = self.swept_by_state.get(state, 0) + 1


@dataclass
class Daemon:
    """One worker over one store. ``run()`` until stopped, ``run(once=True)``, or ``run(until=...)``."""

    store: DataStore
    channels: Mapping[str, Channel]
    clock: Clock
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    batch_size: int = 2000
    lease: timedelta = timedelta(minutes=5)
    watch_interval: float = 2.0
    owner: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}")
    on_progress: Callable[[datetime, RunStats], None] | None = None
    #: Called with the clock's time at the start of every step, before deadlines are swept (a
    #: simulation's operators confirm their tasks there).
    before_step: Callable[[datetime], None] | None = None
    #: The environment channels read secrets from: their values are redacted from what is recorded.
    env: Mapping[str, str] = field(default_factory=dict)
    stats: RunStats = field(default_factory=RunStats)
    _stop: threading.Event = field(default_factory=threading.Event)
    #: When the next ``then:`` is due, and the ledger's revision when that was read.
    _then_at: datetime | None = None
    _then_revision: int = -1
    _stages_at: datetime | None = None

    def __post_init__(self) -> None:
        self.log = get_logger()
        self.dispatcher = Dispatcher(self.store, self.channels, self.clock.now, self.policy, self.env)
        self.manual_channels = {n for n, ch in self.channels.items() if ch.capabilities.manual}
        self.notices = NoticeDesk(self.store, self.channels, self.manual_channels, self.owner, self.policy,
                                  self.env, self.log)
        self.handover = HandOverDesk(self.store, self.channels, self.owner, self.log)

    def stop(self) -> None:
        """Ask the loop to finish the batch in flight and return (signal-safe)."""
        self._stop.set()

    def step(self) -> int:
        """Sweep deadlines, extend plans, dispatch everything due now. Returns actions dispatched."""
        now = self.clock.now()
        if self.before_step is not None:
            self.before_step(now)
        for key, before, after in self.store.sweep_deadlines(now, self.manual_channels, self.owner):
            log_state(self.log, key, before, after)
            self.stats.add_swept(after)
        self.store.extend_horizons(now)
        setup = self.store.setup_revision()  # read once a step, for all that plans from the ledger
        setup = self._carry_out_thens(now, setup)
        self._move_member_stages(now)
        self.handover.step(self.clock.now)
        self.notices.plan(now, setup)
        self._heartbeat(now)
        claim_size = self._claim_size(now)
        done = 0
        while not self._stop.is_set():
            claimed_at = self.clock.now()
            claimed = self.store.claim_due(claimed_at, self.owner, claim_size, self.lease)
            if not claimed:
                break
            # Start no send in the last fifth of the lease: one that ran past it could be
            # claimed and sent again by another daemon.
            cutoff = claimed_at + self.lease * 0.8

            def record(outcomes: list[Outcome]) -> None:  # as sends finish, not once per batch
                nonlocal done
                for o in self.store.record_outcomes(outcomes, self.clock.now(), self.owner):
                    log_state(self.log, o.action.key, o.action.previous_state, o.state,
                              reason=o.reason, attempts=o.action.attempts + (1 if o.count_attempt else 0))
                    self.stats.add(o.state)
                    self.stats.dispatched += 1
                    done += 1
                    if o.awaiting_operator and o.action.channel in self.handover.following:
                        self.handover.expect(self.clock.now())

            started = len(self.dispatcher.dispatch(claimed, partial(self._stopping, cutoff), record))
            if started < len(claimed):  # hand back what was not started
                why = "lease released at shutdown" if self._stop.is_set() else "lease released: running out"
                self.store.release(claimed[started:], self.clock.now(), self.owner, why)
            if self.on_progress:
                self.on_progress(self.clock.now(), self.stats)
        for notice in self.notices.dispatch(self.clock.now, self.lease, stop=self._stop.is_set):
            self.stats.notices_by_state[notice.state] = self.stats.notices_by_state.get(notice.state, 0) + 1
            done += 1
        return done

    def _say_started(self) -> None:
        """One log line with what an operator of the daemon checks first."""
        wake = self.store.next_wakeup(self.clock.now())
        self.log.info("started", extra={"fields": {
            "worker": self.owner, "store": self.store.location,
            "channels": sorted(self.channels), "batch_size": self.batch_size,
            "lease_s": int(self.lease.total_seconds()), "virtual_clock": self.clock.virtual,
            "next_due": wake.isoformat() if wake else None}})

    def _stopping(self, cutoff: datetime) -> bool:
        """Whether to start no more sends of this batch: asked to stop, or its lease near its end."""
        return self._stop.is_set() or self.clock.now() >= cutoff

    def run(self, *, once: bool = False, until: datetime | None = None) -> RunStats:
        """Run the loop. ``once``: one step. ``until``: stop when the clock reaches it."""
        self._register()
        self._say_started()
        revision = self.store.revision()
        try:
            while not self._stop.is_set():
                done = self.step()
                if once or not self._sleep(until, revision, progressed=done > 0):
                    break
                revision = self.store.revision()
        finally:
            self._unregister()
            self.log.info("stopped", extra={"fields": {"worker": self.owner, "dispatched": self.stats.dispatched}})
        return self.stats

    def _sleep(self, until: datetime | None, revision: int, *, progressed: bool = True) -> bool:
        """Wait for the next due moment; False when the run is over. ``progressed``: the step
        before dispatched something; when it did not, a moment already past cannot be acted on
        yet (another daemon holds it), so the clock moves on a second instead of spinning."""
        now = self.clock.now()
        wake = self._next_wakeup(now)
        if until is not None and now >= until:
            return False
        if wake is not None and wake <= now:
            if progressed:
                return True
            wake = now + timedelta(seconds=1)
        target = min(t for t in (wake, until, now + timedelta(days=1)) if t is not None)
        if not self.clock.virtual and target - now >= IDLE_WORK_GAP:  # do what would delay the next batch
            self.store.checkpoint()
            if wake is not None:
                self.dispatcher.prepare(self.store.due_soon(now, wake, PREPARE_BATCHES * self.batch_size))
        if self.clock.virtual:
            if wake is None and until is None:
                return False  # nothing will ever be due: a virtual run is over
            self.clock.wait_until(target, self._stop, 0)
            return not self._stop.is_set()
        while not self._stop.is_set():
            if self.clock.wait_until(target, self._stop, self.watch_interval):
                return False
            if self.clock.now() >= target or self.store.revision() != revision:
                return True  # due now, or the ledger changed under us: look again
            self._heartbeat(self.clock.now())
        return False

    def _move_member_stages(self, now: datetime) -> None:
        """Members whose stage changed (silent for 14 days…) move to it, at most once an hour."""
        if self._stages_at is not None and now - self._stages_at < STAGE_CHECK_EVERY:
            return
        self._stages_at = now
        for line in self.store.update_member_stages(now, self.owner):
            self.log.info("stage", extra={"fields": {"detail": line}})

    def _carry_out_thens(self, now: datetime, revision: int) -> int:
        """Each ended life's ``then:`` (a group moving to another SOP), once; a line each.
        Returns the setup revision after them (``revision`` when none was carried out)."""
        if revision == self._then_revision and (self._then_at is None or now < self._then_at):
            return revision  # nothing changed, and nothing is due yet
        done, self._then_at = self.store.apply_thens(now, self.owner)
        if done:
            revision = self.store.setup_revision()
        self._then_revision = revision
        for line in done:
            self.log.info("then", extra={"fields": {"detail": line}})
        return revision

    def _next_wakeup(self, now: datetime) -> datetime | None:
        """The next moment an action, a notice or a ``then:`` is due."""
        found = [t for t in (self.store.next_wakeup(now), self.notices.next_due(now), self.handover.next_due(),
                             self._then_at) if t is not None]
        return min(found) if found else None

    def _claim_size(self, now: datetime) -> int:
        """``batch_size`` shared among the daemons alive on this store (heartbeat within a
        lease), so a burst splits evenly between them instead of batch by batch."""
        alive = self.store.live_workers(now, self.lease)
        return max(min(MIN_CLAIM, self.batch_size), self.batch_size // max(1, alive))

    def _stats(self) -> dict[str, Any]:
        return {"dispatched": self.stats.dispatched, "by_state": self.stats.by_state}

    def _heartbeat(self, now: datetime) -> None:
        self.store.heartbeat(self.owner, now, self._stats())

    def _register(self) -> None:
        self.store.register_worker(self.owner, socket.gethostname(), os.getpid(), self.clock.now())

    def _unregister(self) -> None:
        self.store.unregister_worker(self.owner, self.clock.now(), self._stats())


__all__ = ["Daemon", "RunStats", "states"]
