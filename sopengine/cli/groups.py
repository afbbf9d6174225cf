"""``sopengine groups``: list groups with their facts and SOPs; ``groups import`` updates facts."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click
from rich.table import Table

from sopengine.loading.facts_file import load_facts
from sopengine.model.problems import SopFileError
from sopengine.cli.common import echo_json, echo_problems, echo_sheet
from sopengine.cli.runtime import DB_OPTION, current_time, now_option, open_ledger, open_store, plugin_host
from sopengine.cli.status import wide_console


@click.group("groups", invoke_without_command=True)
@DB_OPTION
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "xlsx"]), default="table",
              show_default=True)
@click.pass_context
def groups_command(ctx: click.Context, db_url: str | None, fmt: str) -> None:
    """List groups with their facts and current SOPs (subcommand: import)."""
    ctx.obj = {"db_url": db_url}
    if ctx.invoked_subcommand is not None:
        return
    rows = open_ledger(db_url).list_groups()
    if fmt == "json":
        echo_json([r.to_json() for r in rows])
        return
    if fmt in ("csv", "xlsx"):
        fact_names = sorted({name for r in rows for name in r.facts})
        headers = ["id", "name", "start", "tags", "sops", "state", *fact_names]
        cells = [[r.id, r.name, r.start, " ".join(r.tags), " ".join(r.sops),
                  "dissolved" if r.dissolved_at else "paused" if r.paused else "active",
                  *(r.facts.get(n, "") for n in fact_names)] for r in rows]
        echo_sheet(fmt, "groups", headers, cells)
        return
    table = Table(show_edge=False)
    for column in ("group", "name", "start", "SOPs", "facts", "facts updated (UTC)", "state"):
        table.add_column(column, overflow="fold")
    for r in rows:
        state = "dissolved" if r.dissolved_at else "paused" if r.paused else "active"
        table.add_row(r.id, r.name, r.start, ", ".join(r.sops), json.dumps(r.facts, ensure_ascii=False),
                      r.facts_updated_at.strftime("%Y-%m-%d %H:%M") if r.facts_updated_at else "", state)
    wide_console().print(table)
    for r in rows:
        if not r.sops and r.dissolved_at is None:
            click.echo(f"warning: group {r.id!r} runs no SOP (its tags {r.tags}): nothing is planned for it", err=True)


@groups_command.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@DB_OPTION
@now_option()
@click.pass_context
def import_command(ctx: click.Context, path: Path, db_url: str | None, now: datetime | None) -> None:
    """Update group facts from a CSV, XLSX or YAML file (id column + any facts: members, active_members, ...).

    CSV may be UTF-8 (with or without a BOM), GBK or GB18030, as Excel and WPS save it; an XLSX
    workbook's first sheet is read. Each import is kept as the group's history (report --group).

    Facts feed templates and `when:` rules at dispatch time. Unknown groups
    are reported (exit 1); the known ones are still updated.
    """
    try:
        facts = load_facts(path)
    except SopFileError as exc:
        echo_problems(exc.problems)
        raise SystemExit(1) from None
    store = open_store(db_url or ctx.obj.get("db_url"), plugin_host(), create=False)
    updated, unknown = store.import_facts(facts, current_time(now))
    click.echo(f"updated facts of {len(updated)} group(s)")
    for gid in unknown:
        click.echo(f"unknown group {gid!r} (apply its groups file first)", err=True)
    from sopengine.checking.groups import FactChecks  # step models: only an import renders them

    checks = FactChecks()  # what the imported facts still cannot render, as validate says it
    lacking = [p for group, sops in store.running_groups(set(updated)) for p in checks.problems(group, sops)]
    for problem in lacking:
        click.echo(f"error: {problem.message}", err=True)
    raise SystemExit(1 if unknown or lacking else 0)
