"""The planning a ledger needs, handed to the store from above (see :class:`sopengine.store.abc.Planner`).

The store keeps and compares actions; everything about *which* actions a pair has — whether a
group matches an SOP, the window a first plan or a re-plan covers, which groups share one plan,
the parts an event triggers — is decided here, without I/O or a clock of its own.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Hashable, Mapping, Sequence

from sopengine.kinds import StepBase
from sopengine.model.actions import PlannedAction, PlanningError, Window
from sopengine.model.group import Group
from sopengine.model.sop import Sop
from sopengine.planning.planner import (
    action_key, life_window, matches, pick_order, plan, plan_member, stage_of,
)
from sopengine.planning.local_time import local_midnight
from sopengine.rendering.templating import TemplateProblem

#: How far ahead a pair is planned when its life reaches further (a persistent SOP, a long
#: lifetime); the daemon keeps extending it.
PERSISTENT_HORIZON = timedelta(days=35)


class LedgerPlanner:
    """Plans for a store: unrendered actions (the daemon renders at dispatch, with that moment's
    facts). Every failure to plan is a :class:`PlanningError` naming the step."""

    horizon = PERSISTENT_HORIZON

    def matches(self, sop: Sop, group: Group) -> bool:
        return matches(sop, group)

    def first_window(self, sop: Sop, group: Group, now: datetime) -> Window:
        """From the pair's first day up to the horizon ahead of ``now`` (:meth:`ahead`), and for a
        lifetime SOP no further than its life's end: empty for a group whose start is further
        off, which the daemon plans when its start comes within the horizon. A lifetime SOP whose
        ``then: at:`` waits for a step is planned to its end at once: the ledger's last action of
        that step says when its life is over."""
        life = life_window(sop, group)
        if sop.lifetime is not None and sop.then is not None and sop.then.at is not None:
            return life
        return Window(life.start, max(life.start, self._planned_end(sop, life, now)))

    def ahead(self, sop: Sop, now: datetime) -> datetime:
        """How far a rolling pair is planned as of ``now``: the local midnight after now plus the
        horizon. Whole days, so that every apply and extension on one day agrees, and groups that
        start on one day share their windows (planned once, copied)."""
        day = (now + self.horizon).astimezone(sop.timezone).date()
        return local_midnight(day + timedelta(days=1), sop.timezone)

    def life_end(self, sop: Sop, group: Group) -> datetime | None:
        """When the pair's last action can be due: its life's end (dissolution included), or
        None for a persistent SOP, which has none."""
        return None if sop.lifetime is None else life_window(sop, group).end

    def extension(self, sop: Sop, group: Group, planned_until: datetime, now: datetime) -> Window:
        """What a rolling pair planned up to ``planned_until`` plans next as of ``now``: up to
        :meth:`ahead`, no further than its life's end (empty once there)."""
        end = self._planned_end(sop, life_window(sop, group), now)
        return Window(planned_until, max(planned_until, end))

    def _planned_end(self, sop: Sop, life: Window, now: datetime) -> datetime:
        """How far a rolling pair whose life is ``life`` is planned as of ``now``: :meth:`ahead`,
        and for a lifetime SOP no further than its life's end."""
        ahead = self.ahead(sop, now)
        return ahead if sop.lifetime is None else min(ahead, life.end)

    def replanning_window(self, sop: Sop, window: Window, planned_until: datetime | None) -> Window:
        """The window a re-plan covers: ``window``, stretched to what the ledger already holds
        (``planned_until``: a daemon extends a rolling pair's horizon as time passes, and an
        apply run with an earlier ``now`` must re-derive those actions, never take them for
        removed)."""
        if planned_until is None or planned_until <= window.end:
            return window
        return Window(window.start, planned_until)

    def plan(self, sop: Sop, group: Group, window: Window) -> list[PlannedAction]:
        try:
            return plan(sop, group, window, render=False)
        except TemplateProblem as exc:
            raise PlanningError(getattr(exc, "step", None), str(exc)) from exc

    def member_actions(self, sop: Sop, group: Group, member_id: str, joined: date, stage: str | None = None,
                       since: date | None = None, only_stage: bool = False,
                       member: Mapping[str, Any] | None = None) -> list[PlannedAction]:
        """The actions of ``sop``'s ``audience: member`` steps for one member (see :func:`plan_member`)."""
        try:
            return plan_member(sop, group, member_id, joined, stage=stage, since=since, only_stage=only_stage,
                               member=member)
        except TemplateProblem as exc:
            raise PlanningError(getattr(exc, "step", None), str(exc)) from exc

    def member_stage(self, sop: Sop, member: Mapping[str, Any]) -> str | None:
        """The stage of ``sop``'s ``stages`` the member (their template view) is at, or None."""
        return stage_of(sop.stages, member)

    def timing_of(self, sop: Sop, version_id: int, group: Group, window: Window) -> Hashable | None:
        """The key of the plan ``group`` shares with every group planned alike, or None when its
        plan is its own: a step picks from a pool the group overrides, or shuffles (seeded by the
        group id). A pool the group overrides but no step picks from is read only when rendering,
        at dispatch, so it plans nothing differently."""
        if any(s.shuffle or (s.pick is not None and s.pick in group.pools) for s in sop.steps):
            return None
        return (sop.id, version_id, group.start, group.quiet, window)

    def shared_timing(self, sop: Sop, version_id: int, group: Group, window: Window
                      ) -> tuple[Hashable, Mapping[str, Sequence[Any]]] | None:
        """A first plan's shared key, with the group's own items for the pick steps whose pool it
        overrides or shuffles (see :meth:`timing_of`): the store copies the timing's plan and
        gives each copy its own items. A group with an empty pool to pick from plans alone."""
        picks: dict[str, Sequence[Any]] = {}
        for step in sop.steps:
            if step.pick is not None and (step.shuffle or step.pick in group.pools):
                items = pick_order(sop, group, step)
                if not items:
                    return None
                picks[step.id] = items
        return (sop.id, version_id, group.start, group.quiet, window, frozenset(picks)), picks

    def event_actions(self, sop: Sop, step: StepBase, step_index: int, group: Group, occurred_at: datetime,
                      first_due: datetime | None = None) -> list[PlannedAction]:
        """The actions of one ``on:`` step an event at ``occurred_at`` triggers: every part of the
        kind, as a timed step has them (a red packet's announcement, then its send). A part that
        would come before the event (a lead) is moved so the first part is at event + delay and the
        others keep their spacing; ``first_due`` puts the first part there instead (a greeting
        still collecting newcomers), the others keeping their spacing from it."""
        parts = step.parts()
        earliest = min(offset for _, offset in parts)
        if first_due is None:
            base = occurred_at + max(step.delay or timedelta(0), step.batch or timedelta(0))
        else:
            base = first_due - parts[0][1] + earliest
        out: list[PlannedAction] = []
        for part_index, (part, offset) in enumerate(parts):
            due = base + offset - earliest
            local = due.astimezone(sop.timezone)
            out.append(PlannedAction(
                key=action_key(sop.id, step.id, part, group.id, due, sop.timezone), sop=sop.id, step=step.id,
                part=part, group=group.id, kind=step.kind, channel=step.channel or sop.channel, due=local,
                day=(local.date() - group.start).days, occurrence=0, step_index=step_index,
                part_index=part_index, grace=step.grace))
        return out

