"""Execution figures, from the ledger's actions (pure: records in, lines out).

What each action counts as, by its state now: ``done`` (``done`` or ``sent``), split into
``on_time`` (finished by its deadline: due + grace) and ``late``; ``overdue`` (an operator task
past its grace, still open); ``missed``; ``failed``; ``skipped``; ``open`` (handed out or
retrying, within its grace). ``assigned`` is their sum: every action due in the span except
those still ``planned`` and those ``cancelled``. ``execution_rate`` = done / assigned (执行率),
``on_time_rate`` = on_time / assigned (准时率), both from 0 to 1.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, Callable, Iterable, Literal

from sopengine.words import say
from sopengine.store import ExecutionRecord, ExecutionTally

By = Literal["operator", "sop", "group", "day"]
#: Field names of a line, in the order tables show them (JSON and CSV use these names).
COUNTS = ("assigned", "done", "on_time", "late", "overdue", "missed", "failed", "skipped", "open")
NOT_COUNTED = frozenset({"planned", "cancelled"})
#: The label of actions no person does (an automatic channel sent them).


@dataclass
class ExecutionLine:
    """The figures of one operator, SOP, group or day (or of everything: ``label`` is the words
    catalogue's ``report.total``, 合计)."""

    label: str
    assigned: int = 0
    done: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    missed: int = 0
    failed: int = 0
    skipped: int = 0
    open: int = 0
    delays: list[float] = field(default_factory=list, repr=False)

    @property
    def execution_rate(self) -> float:
        return self.done / self.assigned if self.assigned else 0.0

    @property
    def on_time_rate(self) -> float:
        return self.on_time / self.assigned if self.assigned else 0.0

    @property
    def median_delay_minutes(self) -> float | None:
        """Median minutes from due to done, over what was done."""
        return round(statistics.median(self.delays) / 60, 1) if self.delays else None

    def add(self, record: ExecutionRecord) -> None:
        finished = record.finished_at or record.due
        done = record.state in ("done", "sent")
        self._count(record.state, done and finished <= record.deadline, 1)
        if done:
            self.delays.append(max(0.0, (finished - record.due).total_seconds()))

    def add_tally(self, tally: ExecutionTally) -> None:
        """Count ``tally.n`` alike actions at once. A tally keeps no delays: a line made of
        tallies has no median delay."""
        self._count(tally.state, bool(tally.on_time), tally.n)

    def _count(self, state: str, on_time: bool, n: int) -> None:
        self.assigned += n
        if state in ("done", "sent"):
            self.done += n
            if on_time:
                self.on_time += n
            else:
                self.late += n
        elif state in ("overdue", "missed", "failed", "skipped"):
            setattr(self, state, getattr(self, state) + n)
        else:
            self.open += n

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, **{name: getattr(self, name) for name in COUNTS},
                "execution_rate": round(self.execution_rate, 4), "on_time_rate": round(self.on_time_rate, 4),
                "median_delay_minutes": self.median_delay_minutes}


def who_did(record: ExecutionRecord | ExecutionTally, operators_of: Callable[[str], tuple[str, ...]],
            manual: Callable[[str], bool], resolve: Callable[[str], str]) -> str:
    """The operator an action counts for: who confirmed it, else the first of its group's
    operators on a channel people work, else the catalogue's ``who.automatic`` (（自动发送）)."""
    if record.confirmed_by and record.confirmed_by.startswith("operator:"):
        return resolve(record.confirmed_by.removeprefix("operator:"))
    if manual(record.channel):
        refs = operators_of(record.group_id)
        return resolve(refs[0]) if refs else say("who.nobody")
    return say("who.automatic")


def execution_report(records: Iterable[ExecutionRecord], by: By, zone: tzinfo,
                     operator_of: Callable[[ExecutionRecord], str]) -> tuple[list[ExecutionLine], ExecutionLine]:
    """Lines by ``by`` (sorted by label; days in ``zone``), and the total."""
    lines: dict[str, ExecutionLine] = {}
    total = ExecutionLine(say("report.total"))
    for r in records:
        if r.state in NOT_COUNTED:
            continue
        label = label_of(r, by, zone, operator_of)
        lines.setdefault(label, ExecutionLine(label)).add(r)
        total.add(r)
    return [lines[k] for k in sorted(lines)], total


def operator_execution(tallies: Iterable[ExecutionTally], operator_of: Callable[[ExecutionTally], str]
                       ) -> tuple[list[ExecutionLine], ExecutionLine]:
    """:func:`execution_report` by operator, of tallies (:meth:`DataStore.execution_tally`)
    rather than records: a fleet's day at the cost of its groups, without median delays."""
    lines: dict[str, ExecutionLine] = {}
    total = ExecutionLine(say("report.total"))
    for t in tallies:
        if t.state in NOT_COUNTED:
            continue
        label = operator_of(t)
        lines.setdefault(label, ExecutionLine(label)).add_tally(t)
        total.add_tally(t)
    return [lines[k] for k in sorted(lines)], total


def label_of(record: ExecutionRecord, by: By, zone: tzinfo, operator_of: Callable[[ExecutionRecord], str]) -> str:
    if by == "operator":
        return operator_of(record)
    if by == "sop":
        return record.sop_id
    if by == "group":
        return record.group_id
    return record.due.astimezone(zone).date().isoformat()


def span_label(since: datetime | None, until: datetime | None) -> str:
    return f"{since:%Y-%m-%d} – {until:%Y-%m-%d}" if since and until else say("report.all")
