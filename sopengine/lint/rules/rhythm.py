"""Rhythm rules: how often, how close together and at what times a group is touched.

All of them read only *touches* (posts members see, :func:`~sopengine.lint.plans.is_touch`)
on the days of each group's life (:attr:`~sopengine.lint.plans.GroupPlan.days`),
and aggregate over every group the SOP was planned for.
"""

from __future__ import annotations

from collections import Counter
from datetime import time, timedelta
from typing import Iterator, Sequence

from sopengine.planning.planner import PlannedAction
from sopengine.model.quiet import QuietHours
from sopengine.model.sop import Sop
from sopengine.lint.days import day_label, local_clock
from sopengine.lint.params import (
    Param, parse_clock, parse_count, parse_duration_param, show_clock, show_duration,
)
from sopengine.lint.plans import GroupPlan
from sopengine.lint.rule import Hit, Params, Rule


def few_touches(sop: Sop, plans: Sequence[GroupPlan], params: Params) -> Iterator[Hit]:
    """One SOP-level hit listing every day with fewer than ``min_per_day`` touches in any group."""
    minimum: int = params["min_per_day"]
    fewest: dict[int, int] = {}
    for p in plans:
        for day in p.days:
            count = len(p.touches_by_day.get(day, ()))
            if count < minimum:
                fewest[day] = min(count, fewest.get(day, count))
    if fewest:
        low = min(fewest.values())
        yield Hit(f"fewer than {minimum} touches a day on {day_label(fewest)} (as few as {low})")


def too_many_pushes(sop: Sop, plans: Sequence[GroupPlan], params: Params) -> Iterator[Hit]:
    """Days with more than ``max_per_day`` touches (one SOP-level hit), and each step whose
    post comes less than ``min_gap`` after another touch (one hit per step, first case).

    The parts of one occurrence of one step (a red packet's announcement and
    the packet) are a single designed sequence and are not compared with each other.
    """
    maximum: int = params["max_per_day"]
    gap: timedelta = params["min_gap"]
    crowded: dict[int, int] = {}
    close: dict[str, str] = {}
    for p in plans:
        for day in p.days:
            count = len(p.touches_by_day.get(day, ()))
            if count > maximum:
                crowded[day] = max(count, crowded.get(day, count))
        if gap > timedelta(0):
            for later, earlier in _too_close(p.touches, gap):
                if later.step not in close:
                    after = "its previous occurrence" if earlier.step == later.step else f"{earlier.step!r}"
                    close[later.step] = (
                        f"posts {show_duration(later.due - earlier.due)} after {after} "
                        f"on day {p.day_of(later)} ({local_clock(later.due)}); keep pushes at least "
                        f"{show_duration(gap)} apart")
    if crowded:
        yield Hit(f"more than {maximum} pushes a day on {day_label(crowded)} (up to {max(crowded.values())})")
    for step, message in close.items():
        yield Hit(message, step=step)


def _too_close(touches: Sequence[PlannedAction], gap: timedelta) -> Iterator[tuple[PlannedAction, PlannedAction]]:
    """(later, earlier) for each touch with an earlier touch of another occurrence within ``gap``."""
    for i, later in enumerate(touches):
        for earlier in reversed(touches[:i]):
            if later.due - earlier.due >= gap:
                break
            if (earlier.step, earlier.occurrence) == (later.step, later.occurrence):
                continue
            yield later, earlier
            break


def irregular_time(sop: Sop, plans: Sequence[GroupPlan], params: Params) -> Iterator[Hit]:
    """Each step whose daily kind goes out at a time other than that kind's usual one.

    A kind (with its part, e.g. ``red_packet``/``announce``) is *daily* when it
    posts at most once on any day of any group and on at least two days; its
    usual time is the most frequent local time (the earliest on a tie). A step
    with an occurrence more than ``tolerance`` away from it gets one hit.
    Kinds posting several times a day (``message`` used for many purposes)
    are not compared.
    """
    tolerance: timedelta = params["tolerance"]
    by_slot: dict[tuple[str, str | None], list[tuple[int, int, PlannedAction]]] = {}
    for index, p in enumerate(plans):
        for day, actions in p.touches_by_day.items():
            if day not in p.days:
                continue
            for action in actions:
                by_slot.setdefault((action.kind, action.part), []).append((index, day, action))
    for (kind, part), seen in by_slot.items():
        per_day = Counter((index, day) for index, day, _ in seen)
        if max(per_day.values()) > 1 or len({day for _, day, _ in seen}) < 2:
            continue
        clocks = Counter(local_clock(a.due) for _, _, a in seen)
        usual = min(clocks, key=lambda c: (-clocks[c], c))
        usual_days = {day for _, day, a in seen if local_clock(a.due) == usual}
        odd: dict[str, tuple[set[str], set[int]]] = {}
        for _, day, action in seen:
            clock = local_clock(action.due)
            if _minutes_apart(clock, usual) > tolerance:
                times, days = odd.setdefault(action.step, (set(), set()))
                times.add(clock)
                days.add(day)
        label = f"{kind}/{part}" if part else kind
        for step, (times, days) in odd.items():
            yield Hit(f"{label} goes out at {', '.join(sorted(times))} on {day_label(days)}, but at {usual} "
                      f"on {day_label(usual_days)}", step=step)


def _minutes_apart(a: str, b: str) -> timedelta:
    ha, ma = map(int, a.split(":"))
    hb, mb = map(int, b.split(":"))
    return timedelta(minutes=abs((ha * 60 + ma) - (hb * 60 + mb)))


def quiet_hours(sop: Sop, plans: Sequence[GroupPlan], params: Params) -> Iterator[Hit]:
    """Each step with a touch due inside the quiet hours ``start``..``end`` (local, may wrap midnight).

    The window includes ``start`` and excludes ``end``; equal bounds mean no
    quiet hours. An SOP that declares its own ``quiet:`` is held to that
    instead (the team chose it, and validation enforces it). Operator-only
    actions are not touches and never fire it.
    """
    declared = sop.quiet is not None
    quiet = sop.quiet if sop.quiet is not None else QuietHours(params["start"], params["end"])
    found: dict[str, tuple[set[str], set[int]]] = {}
    for p in plans:
        for action in p.touches:
            if quiet.contains(action.due.time().replace(second=0, microsecond=0)):
                times, days = found.setdefault(action.step, (set(), set()))
                times.add(local_clock(action.due))
                days.add(p.day_of(action))
    whose = "the SOP's quiet hours" if declared else "quiet hours"
    for step, (times, days) in found.items():
        yield Hit(f"posts at {', '.join(sorted(times))} on {day_label(days)}, inside {whose} {quiet}", step=step)


FEW_TOUCHES = Rule(
    id="few-touches",
    check=few_touches,
    summary="a day of the group's life with fewer than 3 touches",
    why="groups die without daily interaction; keep at least three touches a day (一天不低于三次互动)",
    params={"min_per_day": Param(3, parse_count, "least touches (posts into the group) a day")},
)

TOO_MANY_PUSHES = Rule(
    id="too-many-pushes",
    check=too_many_pushes,
    summary="more than 8 pushes in a day, or two pushes within 10 minutes",
    why="back-to-back pushes are spam (刷屏); members mute or leave the group",
    params={
        "max_per_day": Param(8, parse_count, "most pushes a day"),
        "min_gap": Param(timedelta(minutes=10), parse_duration_param, "least time between two pushes",
                         show_duration),
    },
)

IRREGULAR_TIME = Rule(
    id="irregular-time",
    check=irregular_time,
    summary="the same daily kind at different local times on different days",
    why="members learn when to look; pushes at irregular times get missed (避免无规律推送)",
    params={"tolerance": Param(timedelta(0), parse_duration_param,
                               "how far from the usual time still counts as regular", show_duration)},
)

QUIET_HOURS = Rule(
    id="quiet-hours",
    check=quiet_hours,
    summary="a post planned inside quiet hours (22:30-07:30 local)",
    why="posts at night wake members up and get the group muted",
    params={
        "start": Param(time(22, 30), parse_clock, "quiet hours begin (local HH:MM)", show_clock),
        "end": Param(time(7, 30), parse_clock, "quiet hours end (local HH:MM)", show_clock),
    },
)
