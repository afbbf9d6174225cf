"""``sopengine plan``: what will happen to each group, without touching any store."""

from __future__ import annotations

import os

import sys
from datetime import datetime, timedelta
from pathlib import Path

import click

from sopengine.checking.conflicts import find_conflicts
from sopengine.model.problems import Problem
from sopengine.loading.workspace import load_workspace, plan_workspace
from sopengine.cli.common import PATHS, echo_json, echo_problems
from sopengine.cli.runtime import plugin_host

DATE = click.DateTime(formats=["%Y-%m-%d"])


@click.command("plan")
@PATHS
@click.option("--groups", "groups_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Groups file (groups.yaml). Defaults to groups files among PATHS.")
@click.option("--from", "first", type=DATE, help="First local date (inclusive).")
@click.option("--to", "last", type=DATE, help="Last local date (inclusive).")
@click.option("--group", "only_groups", multiple=True, help="Only this group (repeatable).")
@click.option("--sop", "only_sops", multiple=True, help="Only this SOP (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "ics", "csv", "xlsx"]), default="table",
              show_default=True, help="csv (with a BOM) and xlsx: for review in Excel or WPS.")
@click.option("--alarm", type=click.IntRange(min=0), default=10, show_default=True,
              help="With --format ics: remind this many minutes before each action (0: no reminder).")
def plan_command(paths: tuple[Path, ...], groups_file: Path | None, first: datetime | None,
                 last: datetime | None, only_groups: tuple[str, ...], only_sops: tuple[str, ...],
                 fmt: str, alarm: int) -> None:
    """Plan SOPs for their groups: every timed action over each group's life.

    Pure: reads files, touches no store, sends nothing. A persistent SOP is
    planned for day 0 to day 30, or up to --to when given. Event-triggered
    steps (on:) are not planned.
    Problems in files are printed to stderr; the good files are still planned
    and the exit code is 1.
    """
    ws = load_workspace(paths, [groups_file] if groups_file else [], plugin_host().load_options(os.environ))
    if not ws.groups and ws.ok:
        raise click.UsageError("no groups: pass --groups FILE (a file with a top-level `groups:` list)")
    sops = [s for s in ws.sops if not only_sops or s.id in only_sops]
    groups = [g for g in ws.groups if not only_groups or g.id in only_groups]
    errors: list[Problem] = []
    actions = plan_workspace(sops, groups, first.date() if first else None, last.date() if last else None,
                             errors=errors)
    echo_problems(ws.problems)
    for conflict in find_conflicts(actions):
        click.echo(f"warning: {conflict}", err=True)
    echo_problems(errors)
    if fmt == "json":
        echo_json([a.to_json() for a in actions])
    elif fmt in ("csv", "xlsx"):
        headers = ["due", "group", "sop", "step", "part", "kind", "channel", "text", "key"]
        cells = [[a.due, a.group, a.sop, a.step, a.part or "", a.kind, a.channel,
                  str(a.payload.get("text") or a.payload.get("notice") or a.payload.get("name") or ""), a.key]
                 for a in actions]
        from sopengine.cli.common import echo_sheet

        echo_sheet(fmt, "plan", headers, cells)
    elif fmt == "ics":
        from sopengine.present.ics import plan_ics  # icalendar and rich load only for the format that needs them

        names = {g.id: g.name for g in groups}
        sys.stdout.buffer.write(plan_ics(actions, group_names=names,
                                         alarm=timedelta(minutes=alarm) if alarm > 0 else None))
        sys.stdout.flush()
    else:
        from rich.console import Console

        from sopengine.present.plan_table import ROWS_SHOWN, plan_summary, plan_table

        console = Console()
        if not console.is_terminal:
            console = Console(width=160)  # piped or redirected: keep rows readable, not 80 columns
        if len(actions) > ROWS_SHOWN:
            console.print(plan_summary(actions, title=f"{len(actions)} actions, day by day"))
            click.echo(f"{len(actions)} actions are more than a table shows ({ROWS_SHOWN}): narrow it with "
                       "--group, --sop, --from and --to, or take them all with --format json, csv or xlsx")
        else:
            console.print(plan_table(actions, title=f"{len(actions)} actions", width=console.width))
    raise SystemExit(1 if not ws.ok or errors else 0)
