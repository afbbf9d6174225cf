"""Pure planning: (SOP, group, window) → timed actions. No clock, no I/O.

Contract (see the spec): actions are sorted by ``due``, then by the step's file
order, then by part order; each action's ``key`` is
``{sop}/{step}[/{part}]/{group}/{local due as YYYY-MM-DDTHH:MM}`` and unique;
``occurrence`` counts a step's occurrences from the group's day 0 whatever the
window, so clipping a window never changes an action.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_left
import random
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Callable, Iterable, Mapping, Sequence
from weakref import WeakKeyDictionary

from sopengine.model.actions import PlannedAction, PlanningError, Window
from sopengine.planning.calendars import WorkCalendar, calendar_for
from sopengine.rendering.context import template_context, pool_for
from sopengine.model.group import Group
from sopengine.kinds import DissolutionStep, StepBase
from sopengine.model.members import member_segment
from sopengine.model.sop import Sop, Stage
from sopengine.rendering.templating import TemplateProblem, compile_condition
from sopengine.planning.local_time import fixed_offset, format_local_minute, local_midnight, resolve_local
from sopengine.planning.timing import DaySpec, cron_count, cron_times, parse_at, parse_days

#: How many days a plan of a persistent SOP covers by default (day 0 to day 30).
PERSISTENT_PLAN_DAYS = 30

CalendarLookup = Callable[[str], WorkCalendar]


class StepTemplateProblem(TemplateProblem):
    """A :class:`TemplateProblem` raised while planning, with the ``step`` it came from."""

    def __init__(self, step: str, message: str):
        super().__init__(message)
        self.step = step


def action_key(sop_id: str, step_id: str, part: str | None, group_id: str, due: datetime, tz: tzinfo) -> str:
    """The spec's action key."""
    middle = f"{step_id}/{part}" if part else step_id
    return f"{sop_id}/{middle}/{group_id}/{format_local_minute(due, tz)}"


def life_window(sop: Sop, group: Group) -> Window:
    """Day 0 to ``lifetime`` plus the tail of a dissolution, or day 0..30 if persistent."""
    tz = sop.timezone
    start = local_midnight(group.start, tz)
    if sop.lifetime is None:
        return Window(start, local_midnight(group.start + timedelta(days=PERSISTENT_PLAN_DAYS + 1), tz))
    end = local_midnight(group.start + timedelta(days=sop.lifetime + 1), tz)
    return Window(start, end + dissolution_tail(sop))


def dissolution_tail(sop: Sop) -> timedelta:
    """How long the latest dissolution part runs after its step's due (zero without one)."""
    tail = _tails.get(sop)
    if tail is None:  # an apply asks once per group: the answer is the SOP's alone
        tail = _tails[sop] = max((part[1] for s in sop.steps if isinstance(s, DissolutionStep)
                                  for part in s.parts()), default=timedelta(0))
    return tail


_tails: WeakKeyDictionary[Sop, timedelta] = WeakKeyDictionary()


def date_window(sop: Sop, first: date | None, last: date | None) -> Window:
    """Local dates ``first``..``last`` inclusive (either open) in the SOP's zone."""
    tz = sop.timezone
    start = local_midnight(first, tz) if first else datetime.min.replace(tzinfo=tz)
    end = local_midnight(last + timedelta(days=1), tz) if last else datetime.max.replace(tzinfo=tz)
    return Window(start, end)


def matches(sop: Sop, group: Group) -> bool:
    """True when ``group`` carries every tag of the SOP and its ``where`` holds."""
    if not set(sop.match_tags) <= set(group.tags):
        return False
    if sop.match_where:
        try:
            return compile_condition(sop.match_where)({"group": group.template_view()})
        except TemplateProblem as exc:
            if "undefined" in str(exc):
                return False  # a group without that fact is not targeted
            raise
    return True


def occurrence_anchors(
    sop: Sop, step: StepBase, group: Group, until: datetime, calendars: CalendarLookup = calendar_for
) -> list[datetime]:
    """Due instants of a timed step's occurrences for ``group`` before ``until``, from day 0.

    Filters ``skip: [holidays]`` / ``only: workdays`` by the local date and
    drops instants that DST resolution made equal.
    """
    relative = step.before or step.after
    if relative is not None:
        shift = -relative.by if step.before is not None else relative.by
        base = occurrence_anchors(sop, sop.step(relative.step), group, until - shift, calendars)
        return sorted({a + shift for a in base if a + shift < until})
    tz = sop.timezone
    naive: Iterable[datetime]
    if step.cron is not None:
        days, first, last = _cron_dates(sop, step, group, until)
        naive = cron_times(step.cron, first, last)
        if days.listed is not None:
            naive = [t for t in naive if days.contains((t.date() - group.start).days)]
    elif step.at is not None:
        specs = [step.at] if isinstance(step.at, str) else step.at
        naive = sorted(parse_at(s).local_naive(group.start) for s in specs)
    else:
        return []
    cal = calendars(sop.calendar) if sop.calendar and (step.skip or step.only or step.on_holiday) else None
    if cal is not None and step.on_holiday is not None:
        naive = list(naive)
        taken = {t for t in naive if not cal.is_holiday(t.date())}
        moved = []
        for t in naive:
            t = _moved_off_holiday(sop, step, group, t, cal, taken)
            taken.add(t)
            moved.append(t)
        naive = sorted(moved)
    anchors: list[datetime] = []
    for t in naive:
        if cal is not None:
            if "holidays" in step.skip and cal.is_holiday(t.date()):
                continue
            if step.only == "workdays" and not cal.is_workday(t.date()):
                continue
        instant = resolve_local(t, tz)
        if instant >= until:
            break
        if not anchors or anchors[-1] != instant:  # a moved occurrence meeting one already there is one
            anchors.append(instant)
    return anchors


def _cron_dates(sop: Sop, step: StepBase, group: Group, until: datetime) -> tuple[DaySpec, date, date]:
    """(the step's days, its first and last local date before ``until``) for a cron step."""
    days = parse_days(step.days).clip(sop.lifetime)
    horizon = until.astimezone(sop.timezone).date()
    last = horizon if days.last is None else min(horizon, group.start + timedelta(days=days.last))
    return days, group.start + timedelta(days=days.first), last


def anchors_since(sop: Sop, step: StepBase, group: Group, since: datetime, until: datetime,
                  calendars: CalendarLookup = calendar_for) -> tuple[int, list[datetime]]:
    """(how many occurrences come before ``since``, the due instants of those from ``since`` up
    to ``until``): what :func:`occurrence_anchors` gives, cut at ``since``.

    A plain cron step (no holiday rules, no listed days) in a zone that keeps one offset counts
    the occurrences before ``since`` without listing them, so planning a day ahead for a group
    four years old costs what it costs for a new one."""
    tz = sop.timezone
    if step.cron is not None and step.before is None and step.after is None:
        days, first, last = _cron_dates(sop, step, group, until)
        uses_calendar = bool(sop.calendar and (step.skip or step.only or step.on_holiday))
        since_day = since.astimezone(tz).date()
        if not uses_calendar and days.listed is None and first < since_day <= last and fixed_offset(tz, first, last):
            before = cron_count(step.cron, first, since_day - timedelta(days=1))
            if before is not None:
                anchors = []
                for t in cron_times(step.cron, since_day, last):
                    instant = resolve_local(t, tz)
                    if instant >= until:
                        break
                    if instant < since:
                        before += 1
                    else:
                        anchors.append(instant)
                return before, anchors
    anchors = occurrence_anchors(sop, step, group, until, calendars)
    cut = bisect_left(anchors, since)
    return cut, anchors[cut:]


#: How far an occurrence may move to find a working day (the longest Chinese holiday is 8 days).
MOST_HOLIDAY_DAYS = 31


def _moved_off_holiday(sop: Sop, step: StepBase, group: Group, t: datetime, cal: WorkCalendar,
                       taken: set[datetime]) -> datetime:
    """``t`` moved to the next (or previous) working day when it falls on a public holiday, at the
    same local time, passing over a day the step already happens at that time (a weekly class
    moved out of 国庆 does not swallow the next week's). A move past the group's last day, or
    before its day 0, is an error (never a silent drop)."""
    if not cal.is_holiday(t.date()):
        return t
    direction = 1 if step.on_holiday == "next_workday" else -1
    day = t.date()
    for _ in range(MOST_HOLIDAY_DAYS):
        day += timedelta(days=direction)
        if cal.is_workday(day) and t.replace(year=day.year, month=day.month, day=day.day) not in taken:
            break
    else:
        raise PlanningError(step.id, f"no working day within {MOST_HOLIDAY_DAYS} days of {t.date()}")
    offset = (day - group.start).days
    if offset < 0 or (sop.lifetime is not None and offset > sop.lifetime):
        raise PlanningError(step.id, f"on_holiday moves the {t.date()} occurrence to {day}, outside the group's "
                                     f"life (day {offset}): shorten `days` or use the other direction")
    return t.replace(year=day.year, month=day.month, day=day.day)


def step_is_manual(step: StepBase, part: str | None) -> bool:
    """Operator-only work that posts nothing into the group (quiet hours do not apply), as the
    kind says of the part (:meth:`~sopengine.kinds.StepBase.traits`)."""
    return step.traits(part).quiet_exempt


def pick_order(sop: Sop, group: Group, step: StepBase) -> list[Any]:
    """The pool items a ``pick`` step walks through, shuffled per group if asked."""
    if step.pick is None:
        return []
    items = list(pool_for(sop, group, step.pick))
    if step.shuffle:
        random.Random(f"{group.id}/{step.pick}").shuffle(items)
    return items


def plan(
    sop: Sop,
    group: Group,
    window: Window | None = None,
    *,
    render: bool = True,
    calendars: CalendarLookup = calendar_for,
) -> list[PlannedAction]:
    """Timed actions of ``sop`` for ``group`` whose due falls in ``window``.

    ``window`` defaults to :func:`life_window`. With ``render`` false the
    payloads stay empty (the daemon renders at dispatch, with that moment's
    facts). Template errors raise :class:`StepTemplateProblem` (a
    :class:`~sopengine.rendering.templating.TemplateProblem`), anything else that stops a
    step :class:`PlanningError`; both name the step.
    """
    life = life_window(sop, group)
    if window is None:
        window = life
    else:
        # A persistent SOP has no end of life: only its default plan stops at day 30.
        window = window.intersect(life if sop.lifetime is not None else Window(life.start, window.end))
    actions: list[PlannedAction] = []
    keys: set[str] = set()
    for step_index, step in enumerate(sop.steps):
        if step.on is not None or step.audience == "member":  # planned when the event or the member comes
            continue
        try:
            actions += _plan_step(sop, group, window, step, step_index, keys, render, calendars)
        except StepTemplateProblem:
            raise
        except TemplateProblem as exc:
            raise StepTemplateProblem(step.id, str(exc)) from exc
        except Exception as exc:  # pure code: whatever went wrong is this step's, reported with it
            raise PlanningError(step.id, f"cannot be planned for group {group.id!r}: {exc}") from exc
    actions.sort(key=lambda a: (a.due, a.step_index, a.part_index))
    return actions


def stage_of(stages: Sequence[Stage], member: Mapping[str, Any]) -> str | None:
    """The first stage whose rule holds for ``member`` (its template view), else the one without
    a rule, else None. A rule that cannot be evaluated for this member does not hold."""
    fallback = None
    for stage in stages:
        if stage.when is None:
            fallback = fallback or stage.id
            continue
        try:
            if compile_condition(stage.when)({"member": member}):
                return stage.id
        except TemplateProblem:
            continue
    return fallback


def _picks(step: StepBase, member: Mapping[str, Any], group: Group) -> bool:
    """Whether a member step's ``where`` holds for ``member`` (no rule: everyone; a rule that
    cannot be evaluated for them: no)."""
    if step.where is None or not step.where_picks_members:
        return True
    try:
        return bool(compile_condition(step.where)({"member": member, "group": group.template_view()}))
    except TemplateProblem:
        return False


def plan_member(sop: Sop, group: Group, member_id: str, joined: date, *, stage: str | None = None,
                since: date | None = None, only_stage: bool = False, member: Mapping[str, Any] | None = None,
                calendars: CalendarLookup = calendar_for) -> list[PlannedAction]:
    """The actions of ``sop``'s ``audience: member`` steps for one member who joined ``group`` on
    ``joined``: their days count from that day (day 0), inside the group's life; a step of the
    member's ``stage`` counts from ``since``, the day they entered it (``only_stage``: those
    alone). Each key names the member (``sop/step[/part]/m.ID/group/due``), so planning again
    finds the same actions. ``member`` (their template view): a step whose ``where`` does not
    hold for them is left out."""
    steps = [(i, s) for i, s in enumerate(sop.steps) if s.audience == "member"
             and ((s.stage is None and not only_stage) or (s.stage is not None and s.stage == stage))
             and (member is None or _picks(s, member, group))]
    if not steps:
        return []
    segment = member_segment(member_id)
    out: list[PlannedAction] = []
    keys: set[str] = set()
    for index, step in steps:
        journey = dataclasses.replace(group, start=since if step.stage is not None and since else joined)
        window = life_window(sop, journey)
        if sop.lifetime is not None:
            window = window.intersect(life_window(sop, group))
        for a in _plan_step(sop, journey, window, step, index, keys, False, calendars):
            head, group_id, tail = a.key.rsplit("/", 2)
            out.append(dataclasses.replace(a, key=f"{head}/{segment}/{group_id}/{tail}"))
    return out


def _plan_step(sop: Sop, group: Group, window: Window, step: StepBase, step_index: int, keys: set[str],
               render: bool, calendars: CalendarLookup) -> list[PlannedAction]:
    """One timed step's actions inside ``window`` (``keys``: those already taken, updated)."""
    tz = sop.timezone
    quiet = group.quiet or sop.quiet
    actions: list[PlannedAction] = []
    parts = step.parts()
    latest_offset = max(offset for _, offset in parts)
    earliest_offset = min(offset for _, offset in parts)
    skipped, anchors = anchors_since(sop, step, group, window.start - latest_offset, window.end - earliest_offset,
                                     calendars)
    items = pick_order(sop, group, step)
    channel = step.channel or sop.channel
    # what each part keeps across occurrences: its offset, whether quiet hours move it, its key's prefix
    shapes = [(part_index, part, offset, quiet is not None and not step_is_manual(step, part),
               f"{sop.id}/{step.id}/{part}/{group.id}/" if part else f"{sop.id}/{step.id}/{group.id}/")
              for part_index, (part, offset) in enumerate(parts)]
    start, end = window.start, window.end
    for occurrence, anchor in enumerate(anchors, start=skipped):
        local_anchor = anchor.astimezone(tz)
        day = (local_anchor.date() - group.start).days
        item = items[occurrence % len(items)] if items else None
        context = None
        for part_index, part, offset, deferred, prefix in shapes:
            due = anchor + offset
            if deferred:
                due = quiet.defer(due, tz)  # type: ignore[union-attr]  # deferred only with quiet hours
            if not start <= due < end:
                continue
            key = prefix + format_local_minute(due, tz)
            if key in keys:  # two occurrences deferred to the same end of quiet hours
                continue
            keys.add(key)
            payload: Mapping[str, Any] = {}
            if render:
                if context is None:
                    extra = {"item": item} if step.pick else {}
                    context = template_context(sop, group, local_due=local_anchor, day=day,
                                               occurrence=occurrence, **extra)
                payload = {**step.render(part, context), **step.content(part)}
            actions.append(PlannedAction(
                key=key,
                sop=sop.id, step=step.id, part=part, group=group.id, kind=step.kind,
                channel=channel, due=due.astimezone(tz), day=day, occurrence=occurrence,
                step_index=step_index, part_index=part_index, grace=step.grace,
                when=step.when, item=item, payload=payload,
            ))
    return actions


def sort_actions(actions: Iterable[PlannedAction], sop_order: Mapping[str, int]) -> list[PlannedAction]:
    """Sort actions of many SOPs and groups: due, SOP file order, step, part, group."""
    return sorted(actions, key=lambda a: (a.due, sop_order.get(a.sop, 0), a.step_index, a.part_index, a.group))
