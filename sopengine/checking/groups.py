"""Checks of groups against the SOPs that run them: what neither file shows alone.

A groups file and an SOP file can each be valid while together they fail at dispatch time: a
group no SOP matches (a tag typo), a group whose channel settings cannot carry what its SOPs
send (no operator, a variable that is not set), a fact a template needs that one group lacks.
These checks find such mistakes when files are validated, each at the groups file's line.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Iterator, Mapping, Sequence

from sopengine.planning.calendars import calendar_for, unpublished_years
from sopengine.channels import ChannelChecks
from sopengine.checking.steps import trial_render
from sopengine.model.group import Group
from sopengine.planning.planner import life_window, matches
from sopengine.model.problems import Problem, Severity, did_you_mean
from sopengine.model.sop import CALENDAR_POSITION, MATCH_POSITION, Sop
from sopengine.rendering.templating import TemplateProblem, referenced_attributes

#: Commas an input method types in Chinese mode; inside ``[a，b]`` they make one tag of two.
FULL_WIDTH_COMMAS = {"，": "全角逗号「，」", "、": "顿号「、」"}


def check_groups(sops: Sequence[Sop], groups: Sequence[Group], channels: ChannelChecks) -> list[Problem]:
    """Every problem of ``groups`` run by ``sops``: matching, channel settings, facts.

    Groups that match no SOP and SOPs that match no group are warnings; a setting or a fact that
    would fail at dispatch is an error (a variable not set here is a warning: it may be set where
    the daemon runs).
    """
    problems: list[Problem] = [p for sop in sops for p in _sop_tag_hints(sop)]
    facts = FactChecks()
    matched_any: set[str] = set()
    all_tags = sorted({t for sop in sops for t in sop.match_tags})
    for group in groups:
        problems += _group_tag_hints(group)
        running = [sop for sop in sops if _matches(sop, group)]
        matched_any.update(sop.id for sop in running)
        if not running:
            problems.append(_unmatched(group, all_tags))
            continue
        problems += settings_problems(group, running, channels)
        problems += facts.problems(group, running)
        problems += assignment_problems(group, running)
    problems += calendar_coverage(sops, groups)
    if groups:
        for sop in sops:
            if sop.id not in matched_any:
                needs = f"tags {list(sop.match_tags)}" if sop.match_tags else "no tags"
                where = f" and where: {sop.match_where}" if sop.match_where else ""
                problems.append(sop.problem(MATCH_POSITION, f"SOP {sop.id!r} matches no group (it needs {needs}"
                                                            f"{where}); nothing is planned for it", "warning"))
    return problems


def calendar_coverage(sops: Sequence[Sop], groups: Sequence[Group]) -> list[Problem]:
    """One warning per calendar whose official schedule (days off, make-up workdays) is not in
    the installed ``holidays`` for a year that SOPs skipping holidays plan into: those days are
    its estimate, and an ops team must know."""
    reached: dict[str, dict[int, list[Sop]]] = {}
    for sop in sops:
        if sop.calendar is None or not any(step.skip or step.only for step in sop.steps):
            continue
        years: set[int] = set()
        for group in groups:
            if _matches(sop, group):
                life = life_window(sop, group)
                years.update(range(life.start.year, life.end.year + 1))
        for year in unpublished_years(sop.calendar, years):
            reached.setdefault(sop.calendar, {}).setdefault(year, []).append(sop)
    out: list[Problem] = []
    for country, by_year in reached.items():
        affected = list({s.id: s for year_sops in by_year.values() for s in year_sops}.values())
        listed = ", ".join(map(str, sorted(by_year)))
        names = ", ".join(s.id for s in affected)
        out.append(affected[0].problem(CALENDAR_POSITION, (
            f"calendar {country}: the official schedule of {listed} is not in the installed holidays package "
            f"(it has up to {calendar_for(country).published_until()}); SOPs planning into it: {names}; "
            f"their holidays there are estimated, with no make-up workdays (调休). Update: pip install -U holidays"),
            "warning"))
    return out


def assignment_problems(group: Group, running: Iterable[Sop]) -> list[Problem]:
    """A step naming who does it (``operator:``) must name one of the group's operators, or a
    role its ``roles:`` gives to one: caught here, never a task nobody can find."""
    problems: list[Problem] = []
    for ref in group.roles.values():
        if group.operators and ref not in group.operators:
            problems.append(group.problem(("roles",), f"role holder {ref!r} is not one of this group's operators "
                                                      f"({', '.join(group.operators)})"))
    for sop in running:
        for step in sop.steps:
            named = getattr(step, "operator", None)
            if named is None:
                continue
            who = group.assignee(named)
            if who not in group.operators:
                hint = f"; add roles: {{{named}: …}}" if named not in group.roles else ""
                problems.append(group.problem((), f"SOP {sop.id!r} step {step.id!r} is for operator {named!r}, "
                                                  f"who is not one of this group's operators "
                                                  f"({', '.join(group.operators) or 'none'}){hint}"))
    return problems


def channels_of(sop: Sop) -> set[str]:
    """The channels ``sop``'s steps go through."""
    return {step.channel or sop.channel for step in sop.steps}


def settings_problems(group: Group, running: Iterable[Sop], channels: ChannelChecks,
                      *, unset_env_is_error: bool = False) -> list[Problem]:
    """``group``'s settings for each channel its SOPs use, as that channel checks them."""
    used: dict[str, list[str]] = {}
    for sop in running:
        for name in sorted(channels_of(sop)):
            used.setdefault(name, []).append(sop.id)
    out: list[Problem] = []
    for name, sop_ids in used.items():
        check = channels.checks.get(name)
        if check is None:
            continue
        settings = group.channels.get(name) or {}
        for found in check(settings, channels.env):
            loc: tuple[str, ...] = ("channels", name, found.key) if found.key else ("channels", name)
            if name not in group.channels:
                loc = ("channels",) if group.channels else ("id",)
            severity: Severity = "warning" if found.unset_env and not unset_env_is_error else "error"
            out.append(group.problem(loc, f"channels.{name}: {found.message} (SOP {', '.join(sop_ids)} "
                                          f"send{'s' if len(sop_ids) == 1 else ''} through {name})", severity))
    return out


class FactChecks:
    """Trial renders of each SOP's steps with one group's facts, remembered per step and shape of
    facts: groups with the same fact names (and the same values of the facts the step reads, but
    an id, name or start it only shows) render that step alike. So a step that reads no fact
    renders once per SOP, not once per group."""

    def __init__(self) -> None:
        self._read: dict[int, tuple[frozenset[str], frozenset[str]]] = {}
        self._seen: dict[tuple[Any, ...], tuple[str, str, list[str]] | None] = {}
        #: per SOP: the facts any step reads, and those every step reading them only shows
        self._sop_read: dict[int, tuple[tuple[str, ...], frozenset[str]]] = {}
        #: per SOP and shape of facts: what its steps' trial renders found, in step order
        self._sop_seen: dict[tuple[Any, ...], list[tuple[str, str, list[str]]]] = {}

    def problems(self, group: Group, running: Iterable[Sop]) -> list[Problem]:
        out: list[Problem] = []
        view = group.template_view()
        names, own_vars, pools = frozenset(view), repr(sorted(group.vars.items())), frozenset(group.pools)
        for sop in running:
            read, shown = self._sop_facts_read(sop)
            # a group alike in every fact the SOP reads is alike for each of its steps (each
            # step's shape below is made of these values), so the SOP's findings are reused whole
            sop_shape = (id(sop), names, _fact_values(view, read, shown), own_vars, pools)
            findings = self._sop_seen.get(sop_shape)
            if findings is None:
                findings = self._sop_seen[sop_shape] = self._step_findings(sop, group, view, names, own_vars, pools)
            for step_id, message, missing in findings:
                line, _ = sop.positions.get(step_id, (1, 1))
                lacks = f"lacks fact {', '.join(map(repr, missing))}: " if missing else ""
                out.append(group.problem(("id",), f"{lacks}SOP {sop.id!r} step {step_id!r} "
                                                  f"({sop.path or sop.id}:{line}) cannot be rendered: {message}"))
        return out

    def _step_findings(self, sop: Sop, group: Group, view: Mapping[str, Any], names: frozenset[str],
                       own_vars: str, pools: frozenset[str]) -> list[tuple[str, str, list[str]]]:
        """What trial renders of ``sop``'s steps find for ``group``, each step remembered per shape."""
        findings = []
        for step in sop.steps:
            read, shown = self._facts_read(step)
            shape = (id(step), names, _fact_values(view, sorted(read), shown), own_vars, pools)
            if shape not in self._seen:
                self._seen[shape] = self._render(sop, step, group, view)
            found = self._seen[shape]
            if found is not None:
                findings.append(found)
        return findings

    def _sop_facts_read(self, sop: Sop) -> tuple[tuple[str, ...], frozenset[str]]:
        """(the facts any step of ``sop`` reads, sorted; those of them every step reading them
        only shows as they are)."""
        known = self._sop_read.get(id(sop))
        if known is None:
            per_step = [self._facts_read(step) for step in sop.steps]
            read = frozenset().union(*(r for r, _ in per_step))
            shown = frozenset(n for n in read if all(n in s for r, s in per_step if n in r))
            known = self._sop_read[id(sop)] = (tuple(sorted(read)), shown)
        return known

    def _facts_read(self, step: Any) -> tuple[frozenset[str], frozenset[str]]:
        """(the facts ``step`` reads, those of them it only shows as they are)."""
        read = self._read.get(id(step))
        if read is None:
            read = self._read[id(step)] = (frozenset(_facts_used(step)), _only_shown(step))
        return read

    @staticmethod
    def _render(sop: Sop, step: Any, group: Group, view: Mapping[str, Any]) -> tuple[str, str, list[str]] | None:
        """The step's first problem rendered for ``group`` (one per step and group: the first says
        what to fix), or None."""
        for _, message in trial_render(sop, step, group):
            return step.id, message, sorted(_facts_used(step) - set(view))
        return None


def _fact_values(view: Mapping[str, Any], read: Iterable[str], shown: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """What a trial render depends on of the facts ``read``, in their order: each one's value, or
    just "text" for one that is only shown and is text (any text renders alike)."""
    return tuple((n, "text" if n in shown and isinstance(view.get(n), str) else repr(view.get(n))) for n in read)


#: Facts every group has, always text: a template that only shows one (``{{ group.name }}``)
#: renders alike for any value, so groups differing only there share one trial render (else
#: every such step renders once per group). Any other use (a filter, a test, an index) counts
#: its value.
_ALWAYS_TEXT = ("id", "name", "start")


def _only_shown(step: Any) -> frozenset[str]:
    """Which of :data:`_ALWAYS_TEXT` ``step`` uses only as ``{{ group.NAME }}`` (never in ``when``)."""
    sources = [source for _, source in step.all_templates()]
    out = []
    for name in _ALWAYS_TEXT:
        uses = sum(len(re.findall(rf"\bgroup\.{name}\b", src)) for src in sources)
        shown = sum(len(re.findall(rf"\{{\{{-?\s*group\.{name}\s*-?\}}\}}", src)) for src in sources)
        if uses == shown and not (step.when and re.search(rf"\bgroup\.{name}\b", step.when)):
            out.append(name)
    return frozenset(out)


def _facts_used(step: Any) -> set[str]:
    """The group facts ``step``'s templates and ``when:`` read (``group.city``)."""
    used: set[str] = set()
    sources = [(source, False) for _, source in step.all_templates()]
    if step.when is not None:
        sources.append((step.when, True))
    for source, expression in sources:
        try:
            used |= referenced_attributes(source, "group", expression=expression)
        except TemplateProblem:
            continue  # the step's own check reports a broken template
    return used


def _matches(sop: Sop, group: Group) -> bool:
    try:
        return matches(sop, group)
    except TemplateProblem:
        return False  # the SOP's own `where:` problem is reported with the SOP


def _unmatched(group: Group, all_tags: Sequence[str]) -> Problem:
    hints = "".join(did_you_mean(t, all_tags) for t in group.tags if t not in all_tags)
    tags = f"its tags {list(group.tags)}" if group.tags else "it has no tags"
    return group.problem(("tags",) if group.tags else ("id",),
                         f"matches no SOP ({tags}{hints}); nothing is planned for it", "warning")


def _comma_hint(tag: str) -> str | None:
    for char, name in FULL_WIDTH_COMMAS.items():
        if char in tag:
            parts = ", ".join(p.strip() for p in tag.split(char))
            return f"tag {tag!r} contains a {name}, so it is one tag: for several write [{parts}]"
    return None


def _group_tag_hints(group: Group) -> Iterator[Problem]:
    for i, tag in enumerate(group.tags):
        hint = _comma_hint(tag)
        if hint is not None:
            yield group.problem(("tags", i), hint, "warning")


def _sop_tag_hints(sop: Sop) -> Iterator[Problem]:
    for tag in sop.match_tags:
        hint = _comma_hint(tag)
        if hint is not None:
            yield sop.problem(MATCH_POSITION, f"match: {hint}", "warning")
