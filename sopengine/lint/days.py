"""Days of a group's life as lint rules count them, and how they are written in messages."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sopengine.model.group import Group
from sopengine.planning.planner import PlannedAction


def due_day(action: PlannedAction, group: Group) -> int:
    """The day of the group's life (0 = start date) on which ``action`` is *due*.

    Unlike ``action.day`` (the day of the step's occurrence), this is the day
    of the part itself: a red packet announced at 23:50 for a send at 00:10
    is announced the day before.
    """
    return (action.due.date() - group.start).days


def local_clock(instant: datetime) -> str:
    """``HH:MM`` of an aware instant in its own zone (plans hold local times)."""
    return instant.strftime("%H:%M")


def format_days(days: Iterable[int]) -> str:
    """Sorted day numbers with runs compressed: ``[0, 1, 2, 5, 7, 8]`` → ``0-2, 5, 7-8``."""
    ordered = sorted(set(days))
    runs: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        runs.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ", ".join(runs)


def day_label(days: Iterable[int]) -> str:
    """``day 5`` or ``days 0-2, 5``."""
    ordered = sorted(set(days))
    return f"day {ordered[0]}" if len(ordered) == 1 else f"days {format_days(ordered)}"
