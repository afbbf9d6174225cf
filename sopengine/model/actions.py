"""What planning hands the rest of the engine: timed actions, the windows they fall in, and the
error a step that cannot be planned raises. Plain data, shared by the planner (which makes them)
and the store (which keeps them), so neither imports the other."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Mapping


class PlanningError(ValueError):
    """A step that could not be planned for a group (its ``step`` names it); ``plan`` raises it
    for anything but a template's own problem, so one bad step is reported, never a traceback."""

    def __init__(self, step: str | None, message: str):
        super().__init__(message)
        self.step = step


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open span of instants ``[start, end)`` (timezone-aware)."""

    start: datetime
    end: datetime

    def __contains__(self, instant: datetime) -> bool:
        return self.start <= instant < self.end

    def intersect(self, other: "Window") -> "Window":
        return Window(max(self.start, other.start), min(self.end, other.end))


@dataclass(frozen=True, slots=True)
class PlannedAction:
    """One timed action of one group. ``payload`` holds rendered fields (empty if not rendered)."""

    key: str
    sop: str
    step: str
    part: str | None
    group: str
    kind: str
    channel: str
    due: datetime
    day: int
    occurrence: int
    step_index: int
    part_index: int
    grace: timedelta
    when: str | None = None
    item: Any = None
    payload: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The spec's JSON object: identity fields, then the rendered payload."""
        out: dict[str, Any] = {
            "key": self.key, "group": self.group, "sop": self.sop, "step": self.step,
            "part": self.part, "kind": self.kind, "channel": self.channel,
            "due": self.due.isoformat(),
        }
        out.update(self.payload)
        if self.when is not None:
            out["when"] = self.when
        return out
