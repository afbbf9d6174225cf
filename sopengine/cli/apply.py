"""``sopengine apply``: sync SOP files and groups into the store."""

from __future__ import annotations

import os

from datetime import datetime
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from sopengine.store import ApplyReport
from sopengine.loading.workspace import load_workspace
from sopengine.cli.common import PATHS, echo_json, echo_problems
from sopengine.cli.runtime import DB_OPTION, current_time, now_option, open_store, plugin_host


@click.command("apply")
@PATHS
@click.option("--groups", "groups_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Groups file. Defaults to groups files among PATHS.")
@DB_OPTION
@now_option()
@click.option("--dry-run", is_flag=True,
              help="Show what the apply would add, change and cancel, per SOP and group, and write nothing.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table",
              show_default=True, help="markdown: a table to post on a pull request.")
def apply_command(paths: tuple[Path, ...], groups_file: Path | None, db_url: str | None, now: datetime | None,
                  dry_run: bool, fmt: str) -> None:
    """Sync SOP files and groups into the store (idempotent).

    Editing an SOP re-plans only future actions: unchanged ones keep their
    identity, changed ones are updated, removed ones cancelled; past and
    finished ones are never touched. A broken file is reported and skipped;
    the good ones still apply (exit 1 when any file was broken). With
    --dry-run the same report is printed, with the first keys of each
    change, and the store is left as it was.
    """
    report, problems = run_apply(paths, groups_file, db_url, current_time(now), dry_run=dry_run)
    if fmt == "json":
        echo_json({"dry_run": dry_run, "added": report.total("added"), "changed": report.total("changed"),
                   "cancelled": report.total("cancelled"), "unchanged": report.total("unchanged"),
                   "new_versions": report.new_versions, "groups_added": report.groups_added,
                   "groups_updated": report.groups_updated,
                   "pairs": [{"sop": p.sop, "group": p.group, "added": p.added, "changed": p.changed,
                              "cancelled": p.cancelled, "unchanged": p.unchanged, "samples": p.samples}
                             for p in report.pairs if p.added or p.changed or p.cancelled],
                   "problems": [p.as_dict() for p in problems]})
    elif fmt == "markdown":
        click.echo(markdown_report(report, dry_run), nl=False)
    else:
        print_report(report)
        if dry_run:
            for p in report.pairs:
                for what, keys in p.samples.items():
                    for key in keys:
                        click.echo(f"  {what}: {key}")
            click.echo("dry run: nothing was written")
    raise SystemExit(1 if any(p.severity == "error" for p in problems) else 0)


def run_apply(paths: tuple[Path, ...], groups_file: Path | None, db_url: str | None,
              now: datetime, *, dry_run: bool = False) -> tuple[ApplyReport, list]:
    """Load, report problems on stderr, apply the good files. Shared with ``run PATH...``."""
    host = plugin_host()
    ws = load_workspace(paths, [groups_file] if groups_file else [], host.load_options(os.environ))
    echo_problems(ws.problems)
    store = open_store(db_url, host)
    try:
        report = store.apply(ws.sops, ws.groups, now, dry_run=dry_run, roster=ws.operators)
    finally:
        store.close()
    echo_problems(report.problems)
    return report, [*ws.problems, *report.problems]


#: Most (SOP, group) rows the apply table shows; beyond, one row per SOP (JSON lists every pair).
PAIRS_SHOWN = 50


def print_report(report: ApplyReport, console: Console | None = None) -> None:
    """The apply table: a row per (SOP, group) that has actions, or per SOP when there are more
    than :data:`PAIRS_SHOWN` of those (then the title counts the pairs that changed)."""
    pairs = [p for p in report.pairs if p.added or p.changed or p.cancelled or p.unchanged]
    by_sop = len(pairs) > PAIRS_SHOWN
    touched = sum(1 for p in pairs if p.added or p.changed or p.cancelled)
    table = Table(title="apply" + (f" by SOP: {len(pairs)} groups × SOPs, {touched} changed" if by_sop else ""),
                  show_edge=False)
    first = ("SOP", "groups") if by_sop else ("SOP", "group")
    widest_sop = min(max((len(p.sop) for p in pairs), default=3), 28) if by_sop else None
    for column in (*first, "added", "changed", "cancelled", "unchanged"):  # ids fold, never cut
        table.add_column(column, justify="left" if column in ("SOP", "group") else "right",
                         overflow="fold" if column in ("SOP", "group") else "ellipsis",
                         min_width=widest_sop if column == "SOP" else None)
    if by_sop:
        sums: dict[str, list[int]] = {}
        for p in pairs:
            row = sums.setdefault(p.sop, [0] * 5)
            for i, n in enumerate((1, p.added, p.changed, p.cancelled, p.unchanged)):
                row[i] += n
        for sop, row in sums.items():
            table.add_row(sop, *map(str, row))
    else:
        for p in pairs:
            table.add_row(p.sop, p.group, str(p.added), str(p.changed), str(p.cancelled), str(p.unchanged))
    (console or Console(stderr=False)).print(table)
    if by_sop:
        click.echo("every group's counts: --format json (or markdown for a pull request)")
    click.echo(f"added {report.total('added')}, changed {report.total('changed')}, "
               f"cancelled {report.total('cancelled')}, unchanged {report.total('unchanged')}"
               + (f"; new SOP versions: {', '.join(report.new_versions)}" if report.new_versions else ""))


def markdown_report(report: ApplyReport, dry_run: bool) -> str:
    """The report as a Markdown table (what a CI job posts on a pull request)."""
    title = "sopengine apply --dry-run" if dry_run else "sopengine apply"
    lines = [f"### {title}", "",
             f"added **{report.total('added')}**, changed **{report.total('changed')}**, "
             f"cancelled **{report.total('cancelled')}**, unchanged {report.total('unchanged')}", "",
             "| SOP | group | added | changed | cancelled | first keys |", "| --- | --- | ---: | ---: | ---: | --- |"]
    for p in report.pairs:
        if p.added or p.changed or p.cancelled:
            keys = "<br>".join(f"{what}: `{key}`" for what, ks in p.samples.items() for key in ks)
            lines.append(f"| {p.sop} | {p.group} | {p.added} | {p.changed} | {p.cancelled} | {keys} |")
    return "\n".join(lines) + "\n"
