"""A group matched by two SOPs that post the same kind in the same minute (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from sopengine.planning.planner import PlannedAction


@dataclass(frozen=True)
class Conflict:
    """Actions of different SOPs, one group, one kind, one minute."""

    group: str
    kind: str
    minute: str
    keys: tuple[str, ...]

    def __str__(self) -> str:
        return (f"group {self.group} gets two {self.kind} posts at {self.minute} from different SOPs: "
                + ", ".join(self.keys))


def find_conflicts(actions: Iterable[PlannedAction]) -> list[Conflict]:
    """Every (group, kind, local minute) that more than one SOP fills."""
    seen: dict[tuple[str, str, str], list[PlannedAction]] = {}
    for a in actions:
        seen.setdefault((a.group, a.kind, a.due.strftime("%Y-%m-%dT%H:%M")), []).append(a)
    return [Conflict(g, k, m, tuple(a.key for a in group)) for (g, k, m), group in seen.items()
            if len({a.sop for a in group}) > 1]
