"""A set of SOP and groups files loaded together, as the CLI and the daemon see them.

Loading never stops at the first bad file: every good SOP is kept and every
problem of every bad one is reported, so one broken file never keeps the
others from being planned or served.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterable, Sequence

from sopengine.model.group import Group
from sopengine.model.operators import Operator
from sopengine.checking.groups import check_groups
from sopengine.loading.groups_sheet import groups_from_sheet, is_groups_sheet
from sopengine.loading.loader import groups_and_problems, operators_and_problems, sop_from_document
from sopengine.loading.options import LoadOptions
from sopengine.planning.planner import (
    PlannedAction, PlanningError, Window, date_window, life_window, matches, plan, sort_actions,
)
from sopengine.model.problems import Problem, SopFileError
from sopengine.model.sop import THEN_POSITION, Sop
from sopengine.loading.source import YamlDocument, load_yaml
from sopengine.rendering.templating import TemplateProblem


@dataclass
class Workspace:
    """Loaded SOPs and groups, and the problems of the files that did not load."""

    sops: list[Sop] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    #: The groups files' ``operators:`` lists.
    operators: list[Operator] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def failed_files(self) -> set[str]:
        return {p.file for p in self.problems if p.severity == "error"}


def with_operators(group: Group, options: LoadOptions) -> Group:
    """``group`` knowing who does its manual tasks: everyone its channels' settings name, each
    once, in the order written (see :func:`sopengine.channels.operators_reader`)."""
    refs: dict[str, None] = {}
    for channel, settings in group.channels.items():
        read = options.channel_operators.get(channel)
        if read is not None and isinstance(settings, dict):
            refs.update((str(ref), None) for ref in read(settings))
    return dataclasses.replace(group, operators=tuple(refs)) if refs else group


def collect_files(paths: Iterable[Path | str]) -> list[Path]:
    """Files named, plus every ``*.yaml``/``*.yml`` directly inside named folders (sorted)."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out += sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        else:
            out.append(path)
    return out


def load_workspace(
    paths: Iterable[Path | str],
    groups_files: Sequence[Path | str] = (),
    options: LoadOptions | None = None,
) -> Workspace:
    """Load SOP and groups files; groups files go first so SOP checks see real facts.

    When ``groups_files`` are given they replace any groups file among ``paths`` (a folder of
    SOPs may hold its own sample groups): only the groups named are loaded.
    """
    named = {Path(g).resolve() for g in groups_files}
    ws = Workspace(files=collect_files([*paths, *groups_files]))
    docs: list[tuple[YamlDocument, str]] = []
    seen: set[Path] = set()
    for path in ws.files:
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        if is_groups_sheet(path):  # a groups file kept as a spreadsheet
            good, problems = groups_from_sheet(path)
            ws.groups += good
            ws.problems += problems
            continue
        try:
            text = path.read_text(encoding="utf-8")
            doc = load_yaml(path, text)
        except SopFileError as exc:
            ws.problems += exc.problems
            continue
        except (OSError, UnicodeDecodeError) as exc:
            ws.problems.append(Problem(str(path), 1, 1, f"cannot read file: {exc}"))
            continue
        docs.append((doc, text))
    sop_docs = []
    for doc, text in docs:
        top = doc.plain()
        if isinstance(top, dict) and "groups" in top and "sop" not in top:
            if named and doc.path.resolve() not in named:
                continue  # replaced by the groups files named
            try:
                good, problems = groups_and_problems(doc, consume=True)
            except SopFileError as exc:
                ws.problems += exc.problems
                continue
            ws.groups += good
            ws.problems += problems
            declared, problems = operators_and_problems(doc, options or LoadOptions())
            ws.operators += declared
            ws.problems += problems
            doc.forget_values()  # the groups are built: their entries keep the text, for positions
        elif isinstance(top, dict) and "sop" in top:
            sop_docs.append((doc, text))
        else:
            ws.problems.append(doc.problem((), "neither an SOP file (top-level `sop:`) nor a groups file (`groups:`)"))
    base = options or LoadOptions()
    ws.groups = [with_operators(g, base) for g in ws.groups]
    options = dataclasses.replace(base, sample_groups=[*base.sample_groups, *ws.groups])
    first_file: dict[str, str] = {}
    for doc, text in sop_docs:
        try:
            sop = sop_from_document(doc, options, hashlib.sha256(text.encode()).hexdigest())
        except SopFileError as exc:
            ws.problems += exc.problems
            continue
        if sop.id in first_file:
            ws.problems.append(doc.problem(("sop",), f"SOP id {sop.id!r} is already used by {first_file[sop.id]}"))
            continue
        first_file[sop.id] = doc.name
        ws.sops.append(sop)
        ws.problems += sop.warnings
    known = {s.id for s in ws.sops}
    for sop in ws.sops:
        for what, target in (("move_to", sop.then.move_to if sop.then else None),
                             ("members_to", sop.then.members_to if sop.then else None)):
            if target is not None and target not in known:
                ws.problems.append(sop.problem(THEN_POSITION, f"then.{what}: no SOP {target!r} among the files "
                                                              f"loaded ({', '.join(sorted(known))})"))
    if ws.sops and ws.groups:
        ws.problems += check_groups(ws.sops, ws.groups, options.channel_checks)
    ws.problems.sort()
    return ws


def plan_workspace(
    sops: Sequence[Sop], groups: Sequence[Group], first: date | None = None, last: date | None = None,
    *, render: bool = True, errors: list[Problem] | None = None,
) -> list[PlannedAction]:
    """Plan every (SOP, matching group) pair over its life, clipped to local dates first..last.

    A pair that cannot be planned for that group (a fact its templates lack, say) raises
    :class:`~sopengine.rendering.templating.TemplateProblem` or :class:`~sopengine.planning.planner.PlanningError`,
    or, when ``errors`` is given, is reported there (at the step's line) and skipped: the other
    pairs are still planned.
    """
    actions: list[PlannedAction] = []
    for sop in sops:
        for group in groups:
            try:
                if not matches(sop, group):
                    continue
                life = life_window(sop, group)
                if sop.lifetime is None and last is not None:  # a persistent SOP: as far as asked
                    life = Window(life.start, date_window(sop, None, last).end)
                window = life.intersect(date_window(sop, first, last))
                actions += plan(sop, group, window, render=render)
            except (TemplateProblem, PlanningError) as exc:
                if errors is None:
                    raise
                errors.append(sop.problem(getattr(exc, "step", None), f"for group {group.id!r}: {exc}"))
    return sort_actions(actions, {s.id: i for i, s in enumerate(sops)})
