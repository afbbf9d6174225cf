"""Lifecycle rules: what a group needs at its start and over a long life, and how it ends."""

from __future__ import annotations

from typing import Iterator, Sequence

from sopengine.model.sop import Sop
from sopengine.lint.params import Param, parse_count
from sopengine.lint.plans import GroupPlan
from sopengine.lint.rule import Hit, Params, Rule


def no_survey(sop: Sop, plans: Sequence[GroupPlan], params: Params) -> Iterator[Hit]:
    """An SOP-level hit when a persistent SOP, or one whose ``lifetime`` is at least
    ``min_lifetime`` days, has no step of kind ``survey`` (at any timing, events included).
    """
    minimum: int = params["min_lifetime"]
    if sop.lifetime is not None and sop.lifetime < minimum:
        return
    if any(step.gathers_feedback for step in sop.steps):
        return
    life = "a persistent group" if sop.lifetime is None else f"a {sop.lifetime}-day group"
    yield Hit(f"{life} has no survey (kind: survey)")


def no_dissolution(sop: Sop, plans: Sequence[GroupPlan], params: Params) -> Iterator[Hit]:
    """A hit at ``lifetime:`` when an SOP with a lifetime has no step of kind ``dissolution``
    (unless its ``then:`` moves the group on: a course group becoming an alumni group lives on)."""
    if sop.lifetime is None or any(step.ends_group() for step in sop.steps):
        return
    if sop.then is not None and sop.then.move_to is not None:
        return
    yield Hit(f"lifetime {sop.lifetime}d but no dissolution step (kind: dissolution)", key="lifetime")


def no_rules_day0(sop: Sop, plans: Sequence[GroupPlan], params: Params) -> Iterator[Hit]:
    """An SOP-level hit when, for some group, no ``rules`` post is planned on day 0."""
    for p in plans:
        rules_days = sorted({p.day_of(a) for a in p.actions if a.kind == "rules"})
        if 0 not in rules_days:
            later = f" (the first is on day {rules_days[0]})" if rules_days else ""
            yield Hit(f"no group-rules reminder (kind: rules) on day 0{later}")
            return


NO_SURVEY = Rule(
    id="no-survey",
    check=no_survey,
    summary="a long-lived group (lifetime ≥ 14d or persistent) with no survey",
    why="a long-lived group needs a feedback loop (问卷) to stay worth being in",
    params={"min_lifetime": Param(14, parse_count, "shortest lifetime (days) that needs a survey")},
)

NO_DISSOLUTION = Rule(
    id="no-dissolution",
    check=no_dissolution,
    summary="a lifetime SOP with no dissolution step",
    why="a group that has served its purpose is dissolved in four steps, not left to rot into an ad dump",
)

NO_RULES_DAY0 = Rule(
    id="no-rules-day0",
    check=no_rules_day0,
    summary="no group-rules reminder (kind rules) on day 0",
    why="rules (群规) posted on day 0 set expectations before the first ad or quarrel",
)
