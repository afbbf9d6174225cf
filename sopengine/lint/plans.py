"""Each SOP planned for the groups it would run in: the view every plan-based rule reads.

:func:`plans_for` plans an SOP for every matching group over the group's
whole life (the same window as ``sopengine plan``) or, when no group matches,
for the sample group of :func:`sopengine.checking.steps.sample_group` starting on a
Monday. Actions whose ``when`` is false for the group's current facts are
left out: they would not be sent. A group whose templates fail to render is
planned unrendered (empty payloads) and says why in ``render_error``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Mapping, Sequence

from sopengine.channels import Capabilities

from sopengine.checking.steps import sample_group
from sopengine.rendering.context import template_context
from sopengine.model.group import Group
from sopengine.planning.planner import PERSISTENT_PLAN_DAYS, PlannedAction, matches, plan, step_is_manual
from sopengine.model.sop import Sop
from sopengine.rendering.templating import TemplateProblem, compile_condition
from sopengine.lint.days import due_day


def is_touch(sop: Sop, action: PlannedAction) -> bool:
    """True when ``action`` of ``sop`` posts into the group (a *touch*, 触达, of its members).

    Operator-only work is not a touch: ``task`` steps and the later parts of a
    ``dissolution`` (grey avatar, rename, dissolve), as the planner's
    :func:`~sopengine.planning.planner.step_is_manual` defines it (the same work quiet
    hours do not apply to); a dissolution's notice is. Both parts of a red
    packet are: the announcement and the red packet itself land in the group.
    """
    return not step_is_manual(sop.steps[action.step_index], action.part)


@dataclass(frozen=True, eq=False)
class GroupPlan:
    """The plan of one SOP for one group, as lint rules see it.

    ``actions`` are sorted by due and exclude those whose ``when`` is false
    for the group; ``sample`` marks the stand-in sample group; ``rendered``
    is False when payloads are empty because a template failed
    (``render_error`` says which).
    """

    sop: Sop
    group: Group
    actions: tuple[PlannedAction, ...]
    sample: bool = False
    render_error: str | None = None
    #: What the channels its actions go through declare (their quotas, for one), by name.
    capabilities: Mapping[str, Capabilities] = field(default_factory=dict)

    @property
    def rendered(self) -> bool:
        return self.render_error is None

    @cached_property
    def last_day(self) -> int:
        """Last day of the group's life that day-based rules check.

        ``lifetime`` (or the persistent plan's day 30), but never past the day
        of the dissolution notice: once it is out, the group is closing.
        """
        last = self.sop.lifetime if self.sop.lifetime is not None else PERSISTENT_PLAN_DAYS
        for action in self.actions:
            if action.part_index == 0 and self.sop.steps[action.step_index].ends_group():
                last = min(last, due_day(action, self.group))
        return last

    @property
    def days(self) -> range:
        """Days ``0..last_day`` inclusive."""
        return range(0, self.last_day + 1)

    @cached_property
    def touches(self) -> tuple[PlannedAction, ...]:
        """Actions that post into the group (see :func:`is_touch`), by due."""
        return tuple(a for a in self.actions if is_touch(self.sop, a))

    @cached_property
    def touches_by_day(self) -> dict[int, list[PlannedAction]]:
        """Touches by the day they are due on (days without touches are absent)."""
        out: dict[int, list[PlannedAction]] = {}
        for action in self.touches:
            out.setdefault(due_day(action, self.group), []).append(action)
        return out

    def day_of(self, action: PlannedAction) -> int:
        """The day of this group's life ``action`` is due on."""
        return due_day(action, self.group)


def monday_sample_group(sop: Sop, groups: Sequence[Group]) -> Group:
    """The validator's sample group for ``sop``, moved back to a Monday if needed."""
    group = sample_group(sop, groups)
    monday = group.start - timedelta(days=group.start.weekday())
    return group if monday == group.start else dataclasses.replace(group, start=monday)


def plans_for(sop: Sop, groups: Sequence[Group],
              capabilities: Mapping[str, Capabilities] | None = None) -> tuple[list[GroupPlan], list[str]]:
    """Plans of ``sop`` for every matching group (or the Monday sample group), and notes.

    Notes are human-readable lines about groups that could not be matched or
    rendered; they never stop linting.
    """
    notes: list[str] = []
    matching: list[Group] = []
    for group in groups:
        try:
            if matches(sop, group):
                matching.append(group)
        except TemplateProblem as exc:
            notes.append(f"{sop.id}: cannot tell whether group {group.id} matches: {exc}")
    sample = not matching
    if sample:
        matching = [monday_sample_group(sop, groups)]
    plans: list[GroupPlan] = []
    for group in matching:
        error: str | None = None
        try:
            actions = plan(sop, group, render=True)
        except TemplateProblem as exc:
            error = str(exc)
            actions = plan(sop, group, render=False)
            notes.append(f"{sop.id}: not rendered for group {group.id} ({exc}); "
                         "rules that read texts or red-packet sizes skip it")
        kept = tuple(a for a in actions if _when_holds(sop, group, a))
        plans.append(GroupPlan(sop, group, kept, sample=sample, render_error=error,
                               capabilities=dict(capabilities or {})))
    return plans, notes


def _when_holds(sop: Sop, group: Group, action: PlannedAction) -> bool:
    """Whether ``action``'s ``when`` holds for the group's current facts (True if none or unknown)."""
    if action.when is None:
        return True
    step = sop.steps[action.step_index]
    offset = step.parts()[action.part_index][1]
    anchor = (action.due - offset).astimezone(sop.timezone)
    extra = {"item": action.item} if step.pick is not None else {}
    context = template_context(sop, group, local_due=anchor, day=action.day,
                               occurrence=action.occurrence, **extra)
    try:
        return compile_condition(action.when)(context)
    except TemplateProblem:
        return True
