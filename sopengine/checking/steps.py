"""Semantic checks of a structurally valid SOP: timing, windows, names, trial renders.

Everything that can be known before anything runs is checked here, so a
mistake surfaces at ``validate`` time with its line and column, not at 3 a.m.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, AbstractSet as Set, Any, Iterator, Sequence

from sopengine.rendering.context import pool_for, template_context
from sopengine.model.group import Group
from sopengine.kinds import StepBase
from sopengine.model.problems import Problem, did_you_mean
from sopengine.rendering.templating import (
    TemplateProblem, check_expression, compile_condition, environment, referenced_attributes, template_names,
)
from sopengine.planning.timing import check_cron, cron_times, parse_at, parse_days

if TYPE_CHECKING:
    from sopengine.loading.options import LoadOptions
    from sopengine.model.sop import Sop
    from sopengine.loading.source import YamlDocument

#: Names every template may read.
BASE_NAMES = frozenset({"group", "day", "date", "weekday", "vars", "pools", "sop", "occurrence"})
#: Facts the sample group has when no real group says otherwise.
SAMPLE_FACTS: dict[str, Any] = {"members": 100, "active_members": 30, "messages_yesterday": 50}
SAMPLE_START = date(2026, 1, 5)
SAMPLE_MEMBER = {"name": "小明"}


def sample_group(sop: "Sop", groups: Sequence[Group]) -> Group:
    """A group for trial renders: every fact any real group has, sample values otherwise."""
    facts = dict(SAMPLE_FACTS)
    for g in groups:
        facts.update(g.facts)
    return Group("sample-group", "示例群", SAMPLE_START, tuple(sop.match_tags), facts)


@dataclass
class StepChecks:
    """Checks of every valid step of one SOP; :meth:`run` returns the problems."""

    doc: "YamlDocument"
    sop: "Sop"
    file_indexes: list[int]
    options: "LoadOptions"

    def run(self) -> list[Problem]:
        problems: list[Problem] = self._pool_warnings()
        group = sample_group(self.sop, self.options.sample_groups)
        if self.sop.match_where:
            # Facts differ between groups: a fact a group lacks makes it not match, so only the
            # expression itself and its names are checked here.
            try:
                check_expression(self.sop.match_where)
                messages = list(_static_names(self.sop.match_where, {"group"}, self.sop, expression=True))
            except TemplateProblem as exc:
                messages = [str(exc)]
            for message in messages:
                problems.append(self.doc.problem(("match", "where"), f"where: {message}"))
        for index, step in zip(self.file_indexes, self.sop.steps):
            for loc, message in self._step(step, group):
                problems.append(self.doc.problem(("steps", index, *loc), f"step {step.id!r}: {message}"))
        return problems

    def _pool_warnings(self) -> list[Problem]:
        """A ``pick`` that takes more items over a group's life than its pool holds repeats them."""
        from sopengine.planning.planner import life_window, occurrence_anchors

        out: list[Problem] = []
        if self.sop.lifetime is None:
            return out
        group = sample_group(self.sop, ())
        for index, step in zip(self.file_indexes, self.sop.steps):
            pool = self.sop.pools.get(step.pick or "")
            if not pool or step.on is not None:
                continue
            try:
                picks = len(occurrence_anchors(self.sop, step, group, life_window(self.sop, group).end))
            except ValueError:
                continue
            if picks > len(pool):
                out.append(self.doc.problem(("steps", index, "pick"), (
                    f"step {step.id!r}: pool {step.pick!r} has {len(pool)} items but is picked {picks} times "
                    f"over the {self.sop.lifetime}-day life; items will repeat"), severity="warning"))
        return out

    def _step(self, step: StepBase, group: Group) -> Iterator[tuple[tuple[Any, ...], str]]:
        yield from self._timing(step)
        yield from self._routing(step)
        yield from self._content(step)
        if step.pick is not None and step.pick not in self.sop.pools:
            yield ("pick",), f"unknown pool {step.pick!r}{did_you_mean(step.pick, self.sop.pools)}"
            return
        yield from self._templates(step, group)

    def _timing(self, step: StepBase) -> Iterator[tuple[tuple[Any, ...], str]]:
        given = [name for name in ("at", "cron", "on", "before", "after") if getattr(step, name) is not None]
        if len(given) != 1:
            where = (given[1],) if len(given) > 1 else ()
            yield where, ("needs exactly one timing: at, cron, on, before or after" if not given
                          else f"has both {given[0]!r} and {given[1]!r}; give exactly one timing")
        yield from self._relative(step)
        lifetime = self.sop.lifetime
        if step.cron is not None:
            try:
                check_cron(step.cron)
            except ValueError as exc:
                yield ("cron",), str(exc)
        if step.days is not None:
            if step.cron is None:
                yield ("days",), "days only applies to a cron step"
            try:
                days = parse_days(step.days)
            except ValueError as exc:
                yield ("days",), str(exc)
            else:
                end = max(days.listed) if days.listed else days.last
                if lifetime is not None and (days.first > lifetime or (end is not None and end > lifetime)):
                    yield ("days",), f"days {step.days} reach past the lifetime ({lifetime}d)"
        if step.at is not None:
            specs = [step.at] if isinstance(step.at, str) else step.at
            for i, text in enumerate(specs):
                loc = ("at",) if isinstance(step.at, str) else ("at", i)
                try:
                    spec = parse_at(text)
                except ValueError as exc:
                    yield loc, str(exc)
                    continue
                if lifetime is not None and spec.day is not None and spec.day > lifetime:
                    yield loc, f"at day {spec.day} is after the end of the lifetime ({lifetime}d)"
        if step.delay is not None and step.on is None:
            yield ("delay",), "delay only applies to an `on:` step"
        if step.on is not None:
            if step.on not in self.options.events:
                yield ("on",), f"unknown event {step.on!r}{did_you_mean(step.on, self.options.events)}"
            if step.skip or step.only:
                yield (("skip",) if step.skip else ("only",)), "skip/only apply to at and cron steps"
        if step.on_holiday is not None:
            if step.on is not None:
                yield ("on_holiday",), "on_holiday applies to at and cron steps"
            elif self.sop.calendar is None:
                yield ("on_holiday",), "on_holiday needs `calendar:` (e.g. CN) at the top of the file"
            elif "holidays" in step.skip:
                yield ("on_holiday",), "on_holiday moves what skip: [holidays] drops: keep one of them"
        if (step.skip or step.only) and self.sop.calendar is None:
            what = "skip: [holidays]" if step.skip else "only: workdays"
            yield (("skip",) if step.skip else ("only",)), f"{what} needs `calendar:` (e.g. CN) at the top of the file"
        if step.batch is not None and step.on is None:
            yield ("batch",), "batch only applies to an `on:` step"
        if step.audience == "member":
            if step.on is not None:
                yield ("audience",), "audience: member is timed from each member's join (at or cron), not on an event"
            elif step.cron is not None and step.days is None:
                yield ("days",), "a member's journey needs `days` with cron (e.g. 1-7): it is counted from their join"
        yield from self._quiet(step)
        yield from step.problems()

    def _local_times(self, step: StepBase, depth: int = 0) -> list[tuple[tuple[Any, ...], time]]:
        """(where in the step, a local time it happens at) for a sample month; a step timed from
        another takes that step's times, shifted."""
        relative = step.before or step.after
        if relative is not None:
            target = next((s for s in self.sop.steps if s.id == relative.step), None)
            if target is None or depth > len(self.sop.steps):
                return []
            shift = -relative.by if step.before is not None else relative.by
            loc = ("before",) if step.before is not None else ("after",)
            return [(loc, (datetime.combine(SAMPLE_START, t) + shift).time())
                    for _, t in self._local_times(target, depth + 1)]
        times: list[tuple[tuple[Any, ...], time]] = []
        if step.at is not None:
            specs = [step.at] if isinstance(step.at, str) else step.at
            for i, text in enumerate(specs):
                try:
                    times.append((("at",) if isinstance(step.at, str) else ("at", i), parse_at(text).at_time))
                except ValueError:
                    continue
        elif step.cron is not None:
            try:
                check_cron(step.cron)
            except ValueError:
                return []
            sample = cron_times(step.cron, SAMPLE_START, SAMPLE_START + timedelta(days=31))
            times += [(("cron",), t.time()) for t in sample]
        return times

    def _relative(self, step: StepBase) -> Iterator[tuple[tuple[Any, ...], str]]:
        """``before:`` / ``after:`` name an at or cron step of this SOP, without a loop."""
        name = "before" if step.before is not None else "after" if step.after is not None else None
        if name is None:
            return
        ids = {s.id: s for s in self.sop.steps}
        seen = {step.id}
        current: StepBase | None = step
        while current is not None and (current.before or current.after):
            relative = current.before or current.after
            assert relative is not None
            target = ids.get(relative.step)
            if target is None:
                yield (name, "step"), f"unknown step {relative.step!r}{did_you_mean(relative.step, ids)}"
                return
            if target.id in seen:
                yield (name, "step"), f"{name} makes a loop through step {target.id!r}"
                return
            if target.on is not None:
                yield (name, "step"), f"step {target.id!r} is triggered by an event: time this one with on: too"
                return
            seen.add(target.id)
            current = target
        for field in ("days", "on_holiday"):
            if getattr(step, field) is not None:
                yield (field,), f"{field} does not apply to a step timed by {name}: (it follows its step)"

    def _quiet(self, step: StepBase) -> Iterator[tuple[tuple[Any, ...], str]]:
        """Steps whose times fall inside the SOP's quiet hours (operator-only work excepted)."""
        quiet = self.sop.quiet
        if quiet is None:
            return
        times = self._local_times(step)
        for loc, t in times:
            for part, offset in step.parts():
                if step.traits(part).quiet_exempt:
                    continue
                moment = (datetime.combine(SAMPLE_START, t) + offset).time()
                if quiet.contains(moment):
                    what = f" ({part})" if part else ""
                    yield loc, f"{moment:%H:%M}{what} falls inside quiet hours {quiet}"
                    return

    def _routing(self, step: StepBase) -> Iterator[tuple[tuple[Any, ...], str]]:
        channels = self.options.channels
        if step.channel is not None and channels is not None and step.channel not in channels:
            yield ("channel",), f"unknown channel {step.channel!r}{did_you_mean(step.channel, channels)}"
        if step.shuffle and step.pick is None:
            yield ("shuffle",), "shuffle only applies with pick"

    def _content(self, step: StepBase) -> Iterator[tuple[tuple[Any, ...], str]]:
        """What the step carries besides text, against what its channel declares it can carry."""
        channel = step.channel or self.sop.channel
        caps = self.options.channel_capabilities.get(channel)
        if caps is None:
            return
        for name, media in step.media().items():
            carried = name in caps.content or (name == "image" and media.url is not None
                                                and "image_url" in caps.content)
            if not carried:
                how = " (only by URL)" if name == "image" and "image_url" in caps.content else ""
                article = "an" if name[0] in "aeiou" else "a"
                yield (name,), f"channel {channel!r} cannot carry {article} {name}{how}: {_carries(caps)}"
                continue
            limit = caps.max_content_bytes.get(name)
            if limit is not None and media.size is not None and media.size > limit:
                yield (name,), (f"{media.name} is {media.size / 1048576:.1f} MB; channel {channel!r} takes "
                                f"at most {limit / 1048576:.1f} MB")
            types = caps.content_types.get(name)
            if types and media.type not in types:
                yield (name,), f"channel {channel!r} takes {', '.join(sorted(types))}, not {media.type}"
        if step.link is not None and "link" not in caps.content:
            yield ("link",), f"channel {channel!r} cannot carry a link card: {_carries(caps)}"
        if step.mentions and "mentions" not in caps.content:
            yield ("mentions",), (f"channel {channel!r} cannot mention members by name (a robot mentions the ids "
                                  f"in its group settings): {_carries(caps)}")
        if not caps.notes_for_operators:
            for part in step.part_names():
                if step.traits(part).operator_only:
                    what = f"{step.kind}/{part}" if part else step.kind
                    yield ("channel",) if step.channel else ("kind",), (
                        f"{what} is work only a person can do, and channel {channel!r} cannot hand it to one: "
                        "route the step to a channel people work (channel: wechat)")
                    break

    def _templates(self, step: StepBase, group: Group) -> Iterator[tuple[tuple[Any, ...], str]]:
        allowed = BASE_NAMES | step.extra_names | set(environment().globals)
        if step.pick is not None:
            allowed |= {"item"}
        if step.on is not None:
            allowed |= {"member", "members"}
        if step.audience == "member":
            allowed |= {"member"}
        static_ok = True
        for loc, source in step.all_templates():
            try:
                for problem in self._static(source, allowed):
                    static_ok = False
                    yield loc, problem
            except TemplateProblem as exc:
                static_ok = False
                yield loc, str(exc)
        if step.when is not None:
            for message in _static_names(step.when, allowed, self.sop, expression=True):
                static_ok = False
                yield ("when",), f"when: {message}"
        if static_ok:
            yield from self._trial(step, group)

    def _static(self, source: str, allowed: Set[str]) -> Iterator[str]:
        yield from _static_names(source, allowed, self.sop)

    def _trial(self, step: StepBase, group: Group) -> Iterator[tuple[tuple[Any, ...], str]]:
        yield from trial_render(self.sop, step, group)


def _carries(caps: Any) -> str:
    return f"it carries {', '.join(['text', *sorted(caps.content)])}"


def trial_render(sop: "Sop", step: StepBase, group: Group) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Render every part of ``step`` once for ``group`` (day 1, the pool's first item, a sample
    newcomer for an event), as the daemon would; yields (location in the step, problem)."""
    start = datetime.combine(group.start + timedelta(days=1), time(8, 0), tzinfo=sop.timezone)
    extra: dict[str, Any] = {}
    if step.pick is not None:
        pool = pool_for(sop, group, step.pick)
        extra["item"] = pool[0] if pool else None
    if step.on is not None or step.audience == "member":
        extra["member"] = {**SAMPLE_MEMBER, "days_silent": 0, "days_in_group": 1, "stage": "new", "tags": []}
    context = template_context(sop, group, local_due=start, day=1, occurrence=0, **extra)
    if step.on is not None:
        context["members"] = [SAMPLE_MEMBER]
    if step.when is not None:
        for message in _condition_problems(step.when, context):
            yield ("when",), f"when: {message}"
    yield from step.trial(context)


def _static_names(source: str, allowed: Set[str], sop: "Sop", *, expression: bool = False) -> Iterator[str]:
    try:
        names = template_names("{{ (" + source + ") }}") if expression else template_names(source)
        used_vars = referenced_attributes(source, "vars", expression=expression)
        used_pools = referenced_attributes(source, "pools", expression=expression)
    except TemplateProblem as exc:
        yield str(exc)
        return
    for name in sorted(names - allowed):
        yield f"undefined name {name!r}{did_you_mean(name, allowed)}"
    for name in sorted(used_vars - set(sop.vars)):
        yield f"vars.{name} is not defined{did_you_mean(name, sop.vars)}"
    for name in sorted(used_pools - set(sop.pools)):
        yield f"pools.{name} is not defined{did_you_mean(name, sop.pools)}"


def _condition_problems(source: str, context: dict[str, Any]) -> Iterator[str]:
    try:
        compile_condition(source)(context)
    except TemplateProblem as exc:
        yield str(exc)
