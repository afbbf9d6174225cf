"""``sopengine diff OLD NEW --groups G``: two versions of the SOP files compared as plans."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import click
from rich.table import Table

from sopengine.cli.common import echo_json, echo_problems
from sopengine.cli.runtime import plugin_host
from sopengine.cli.status import wide_console
from sopengine.loading.workspace import load_workspace, plan_workspace
from sopengine.model.actions import PlannedAction
from sopengine.planning.plan_diff import KINDS, ActionChange, PairDiff, diff_plans

WORDS = {"added": "新增", "removed": "删除", "changed": "改动", "moved": "改时间"}


@click.command("diff")
@click.argument("old", type=click.Path(exists=True, path_type=Path))
@click.argument("new", type=click.Path(exists=True, path_type=Path))
@click.option("--groups", "groups_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The groups both versions are planned for.")
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), help="First local date compared.")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), help="Last local date compared.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table",
              show_default=True, help="markdown: a table to post on a pull request.")
def diff_command(old: Path, new: Path, groups_file: Path, first: datetime | None, last: datetime | None,
                 fmt: str) -> None:
    """Compare two versions of the SOP files (OLD and NEW: a folder or a file each, e.g. two
    checkouts) as the plans they make for the same groups: per SOP and group, the actions
    added, removed, changed (same time, new content) and moved (same step, new time), with the
    first of each before and after. Writes nothing. Exit 1 when either version has errors."""
    host = plugin_host()
    options = host.load_options(os.environ)
    plans: list[list[PlannedAction]] = []
    broken = False
    for path in (old, new):
        ws = load_workspace([path], [groups_file], options)
        echo_problems(ws.problems)
        broken |= not ws.ok
        errors: list = []
        plans.append(plan_workspace(ws.sops, ws.groups, first.date() if first else None,
                                    last.date() if last else None, errors=errors))
        echo_problems(errors)
        broken |= bool(errors)
    pairs = [p for p in diff_plans(plans[0], plans[1]) if p.changed_anything]
    totals = {k: sum(p.counts[k] for p in pairs) for k in KINDS}
    if fmt == "json":
        echo_json({"old": str(old), "new": str(new), **totals, "pairs": [p.to_json() for p in pairs]})
    elif fmt == "markdown":
        click.echo(markdown(pairs, totals, old, new), nl=False)
    else:
        table(pairs, totals)
    raise SystemExit(1 if broken else 0)


def _sample(change: ActionChange) -> str:
    b, a = change.before, change.after
    if change.what == "moved" and a and b:
        return f"{a.step}{'/' + a.part if a.part else ''} {b.due:%m-%d %H:%M} → {a.due:%H:%M}"
    shown = a or b
    assert shown is not None
    text = str(shown.payload.get("text") or shown.payload.get("notice") or "").replace("\n", " ")[:40]
    return f"{WORDS[change.what]} {shown.due:%m-%d %H:%M} {shown.step}{'/' + shown.part if shown.part else ''}" + (
        f" 「{text}」" if text else "")


def table(pairs: list[PairDiff], totals: dict[str, int]) -> None:
    console = wide_console()
    if not pairs:
        console.print("no differences: both versions plan the same actions")
        return
    t = Table(title="sopengine diff", show_edge=False)
    for name in ("SOP", "group", *(WORDS[k] for k in KINDS), "first changes"):
        t.add_column(name, overflow="fold", justify="right" if name in WORDS.values() else "left")
    for p in pairs:
        t.add_row(p.sop, p.group, *(str(p.counts[k]) for k in KINDS), "\n".join(_sample(s) for s in p.samples[:4]))
    console.print(t)
    console.print(", ".join(f"{WORDS[k]} {totals[k]}" for k in KINDS))


def markdown(pairs: list[PairDiff], totals: dict[str, int], old: Path, new: Path) -> str:
    lines = [f"### sopengine diff `{old}` → `{new}`", "",
             ", ".join(f"{k} **{totals[k]}**" for k in KINDS), ""]
    if not pairs:
        return "\n".join([*lines, "No differences: both versions plan the same actions."]) + "\n"
    lines += ["| SOP | group | added | removed | changed | moved | first changes |",
              "| --- | --- | ---: | ---: | ---: | ---: | --- |"]
    for p in pairs:
        samples = "<br>".join(_sample(s).replace("|", "\\|") for s in p.samples[:6])
        lines.append(f"| {p.sop} | {p.group} | {' | '.join(str(p.counts[k]) for k in KINDS)} | {samples} |")
    return "\n".join(lines) + "\n"
