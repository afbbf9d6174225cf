"""Simulated operators, for virtual-clock runs: they confirm tasks the way a person's ✓ does
(:meth:`~sopengine.store.DataStore.mark_done`, as the group's operator), some on time, some late,
some never, so a simulated life ends with a realistic execution record instead of every task
overdue. Each task's fate comes from the seed and its key alone: one seed, one run."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Collection

from sopengine.store import AwaitingTask, DataStore

#: What ``--simulate-operators`` alone means: most tasks on time, some late, a few never.
DEFAULT_SPEC = "on_time=0.85,late=0.1,never=0.05"
#: How far back a step looks for tasks still waiting (a virtual clock can leap a day).
LOOK_BACK = timedelta(days=3)
#: Confirmed on time: this long after due at most (within any grace of 30 minutes or more).
ON_TIME_WITHIN = timedelta(minutes=25)
#: Confirmed late: this long after the deadline at most.
LATE_WITHIN = timedelta(hours=3)


@dataclass(frozen=True)
class SimulationSpec:
    """Shares of tasks done on time, done late and never done (they sum to 1)."""

    on_time: float = 0.85
    late: float = 0.10
    never: float = 0.05

    @classmethod
    def parse(cls, text: str) -> "SimulationSpec":
        """``on_time=0.8,late=0.15,never=0.05`` (shares, or percentages summing to 100)."""
        values: dict[str, float] = {}
        for part in (p.strip() for p in text.split(",") if p.strip()):
            name, sep, raw = part.partition("=")
            if not sep or name.strip() not in ("on_time", "late", "never"):
                raise ValueError(f"expected on_time=…,late=…,never=…, got {part!r}")
            try:
                values[name.strip()] = float(raw)
            except ValueError:
                raise ValueError(f"{name.strip()} is a number, got {raw!r}") from None
        total = sum(values.values())
        if not values or total <= 0 or any(v < 0 for v in values.values()):
            raise ValueError(f"shares must be non-negative and not all zero, got {text!r}")
        scale = 100.0 if total > 1.5 else 1.0
        spec = cls(**{k: values.get(k, 0.0) / scale for k in ("on_time", "late", "never")})
        if abs(spec.on_time + spec.late + spec.never - 1.0) > 0.01:
            raise ValueError(f"shares must add up to 1 (or 100), got {total:g}")
        return spec


@dataclass
class SimulatedOperators:
    """Called at the start of each daemon step with the clock's time (``Daemon.before_step``).

    Each task is decided once, when it is first seen handed over: after the first look, each look
    reads only the tasks handed over since the one before, and the decided ones wait here for
    their time (a task that can no longer be confirmed then is left as it is). A task handed over
    again (retried) is seen again, and decided again on its new deadline."""

    store: DataStore
    channels: Collection[str]
    spec: SimulationSpec = field(default_factory=SimulationSpec)
    seed: int = 0
    confirmed: int = 0
    #: The tasks to confirm, by key, with when.
    _pending: dict[str, tuple[AwaitingTask, datetime]] = field(default_factory=dict, repr=False)
    _looked_at: datetime | None = None
    _actor_of: dict[str, str] = field(default_factory=dict, repr=False)
    _actors_revision: int = -1

    def fate(self, key: str) -> float:
        """A number in [0, 1) fixed by the seed and the key."""
        digest = hashlib.sha256(f"{self.seed}:{key}".encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    def confirm_at(self, key: str, due: datetime, deadline: datetime) -> datetime | None:
        """When the task ``key`` is confirmed, or None (never)."""
        x = self.fate(key)
        spread = self.fate(key + "#when")
        if x < self.spec.on_time:
            return due + min(ON_TIME_WITHIN, max(deadline - due, timedelta(0))) * spread
        if x < self.spec.on_time + self.spec.late:
            return deadline + timedelta(minutes=1) + LATE_WITHIN * spread
        return None

    def __call__(self, now: datetime) -> None:
        # the clock stands still within a step: what is handed over after this look has now's time
        seen = self.store.awaiting_confirmation(self.channels, now - LOOK_BACK, now, handed_since=self._looked_at)
        self._looked_at = now
        for task in seen:
            at = self.confirm_at(task.key, task.due, task.deadline)
            if at is None:
                self._pending.pop(task.key, None)
            else:
                self._pending[task.key] = (task, at)
        ready = [(task, at) for task, at in self._pending.values() if at <= now]
        if not ready:
            return
        for task, _ in ready:
            del self._pending[task.key]
        actors = self._actors({task.group_id for task, _ in ready})
        self.confirmed += len(self.store.confirm_tasks(  # one transaction, as one step of the clock
            [(task, at, actors.get(task.group_id, "operator:simulated")) for task, at in ready]))

    def _actors(self, group_ids: set[str]) -> dict[str, str]:
        """Who confirms each group's tasks (its first operator), read again only when the setup
        revision moves (a groups file applied, a roster changed)."""
        revision = self.store.setup_revision()
        if revision != self._actors_revision:
            self._actor_of, self._actors_revision = {}, revision
        missing = group_ids - self._actor_of.keys()
        if missing:
            group_ops = self.store.group_operators_of(missing, live=False)
            roster = self.store.roster()
            for group_id in missing:
                refs = group_ops.get(group_id) or ("simulated",)
                self._actor_of[group_id] = f"operator:{roster.resolve(refs[0]).id}"
        return self._actor_of
