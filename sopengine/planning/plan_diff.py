"""Two plans compared (pure): what a change to SOP files does to every group's actions.

Actions are matched by key (the same step, part, group and local minute). One whose key is in
both plans but whose content differs is *changed*; one that keeps its step, part, group and
occurrence but not its time is *moved* (08:00 → 09:00); the rest are *added* or *removed*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from sopengine.model.actions import PlannedAction

#: Examples kept per pair and per kind of change.
SAMPLES = 3
KINDS = ("added", "removed", "changed", "moved")


@dataclass(frozen=True)
class ActionChange:
    """One action before and after (None on the side it is missing from)."""

    what: str
    before: PlannedAction | None
    after: PlannedAction | None

    def to_json(self) -> dict[str, Any]:
        return {"what": self.what, "before": self.before.to_json() if self.before else None,
                "after": self.after.to_json() if self.after else None}


@dataclass
class PairDiff:
    """The changes to one (SOP, group) pair's plan."""

    sop: str
    group: str
    counts: dict[str, int] = field(default_factory=lambda: {k: 0 for k in (*KINDS, "unchanged")})
    samples: list[ActionChange] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return any(self.counts[k] for k in KINDS)

    def note(self, change: ActionChange) -> None:
        self.counts[change.what] += 1
        if sum(1 for s in self.samples if s.what == change.what) < SAMPLES:
            self.samples.append(change)

    def to_json(self) -> dict[str, Any]:
        return {"sop": self.sop, "group": self.group, **self.counts, "samples": [s.to_json() for s in self.samples]}


def _content(a: PlannedAction) -> tuple[Any, ...]:
    return (a.kind, a.channel, a.when, repr(a.item), sorted((k, repr(v)) for k, v in a.payload.items()))


def _identity(a: PlannedAction) -> tuple[Any, ...]:
    return (a.sop, a.step, a.part, a.group, a.occurrence)


def diff_plans(old: Sequence[PlannedAction], new: Sequence[PlannedAction]) -> list[PairDiff]:
    """Per (SOP, group) present in either plan, what changed, in (SOP, group) order."""
    pairs: dict[tuple[str, str], PairDiff] = {}

    def pair(a: PlannedAction) -> PairDiff:
        return pairs.setdefault((a.sop, a.group), PairDiff(a.sop, a.group))

    before = {a.key: a for a in old}
    after = {a.key: a for a in new}
    gone = {k: a for k, a in before.items() if k not in after}
    came = {k: a for k, a in after.items() if k not in before}
    gone_by_identity = {_identity(a): a for a in gone.values()}
    for key, a in after.items():
        if key in before:
            b = before[key]
            if _content(a) != _content(b):
                pair(a).note(ActionChange("changed", b, a))
            else:
                pair(a).counts["unchanged"] += 1
    for a in came.values():
        earlier = gone_by_identity.get(_identity(a))
        if earlier is not None:
            del gone_by_identity[_identity(a)], gone[earlier.key]
            pair(a).note(ActionChange("moved", earlier, a))
        else:
            pair(a).note(ActionChange("added", None, a))
    for b in gone.values():
        pair(b).note(ActionChange("removed", b, None))
    return [pairs[k] for k in sorted(pairs)]
