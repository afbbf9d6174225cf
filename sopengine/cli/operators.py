"""``sopengine operators``: who does the manual work, their groups and today's tasks; their
personal workspace links (``link``, ``revoke``)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import click
from rich.table import Table

from sopengine.words import say
from sopengine.cli.local_time import TZ_OPTION, common_zone
from sopengine.cli.runtime import DB_OPTION, current_time, now_option, open_store, plugin_host
from sopengine.cli.status import wide_console
from sopengine.model.durations import parse_duration
from sopengine.model.operators import Operator, Roster
from sopengine.store import DataStore

#: Where links point when neither --base-url nor SOPENGINE_BASE_URL says (``serve``'s default).
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def _roster(store: DataStore) -> tuple[Roster, dict[str, tuple[str, ...]]]:
    return store.roster(), store.group_operators_of()


def _known(store: DataStore, name: str) -> Operator:
    """The operator ``name`` (an id or a name) is, if the groups files know them."""
    roster, group_ops = _roster(store)
    known = roster.everyone(ref for refs in group_ops.values() for ref in refs)
    found = next((op for op in known if name in op.refs), None)
    if found is None:
        raise click.ClickException(f"no operator {name!r}: declare them under operators: or name them in a group, "
                                   "then apply")
    return found


@click.group("operators", invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@TZ_OPTION
@DB_OPTION
@now_option()
@click.pass_context
def operators_command(ctx: click.Context, fmt: str, tz: ZoneInfo | None, db_url: str | None,
                      now: datetime | None) -> None:
    """The operators (declared under operators:, or named by a group), their groups and
    today's open, overdue and done tasks. Subcommands: link, revoke."""
    if ctx.invoked_subcommand is not None:
        return
    from sopengine.operators.board import day_span, task_tally, team_counts

    host = plugin_host()
    store = open_store(db_url, host, create=False)
    try:
        roster, group_ops = _roster(store)
        at = current_time(now)
        zone = ZoneInfo(str(common_zone(store.sop_zones(), tz)))
        readers = host.operator_readers()
        tallies = store.execution_tally(*day_span(at.astimezone(zone).date(), zone))
        lines = team_counts(task_tally(tallies, readers), roster, group_ops)
    finally:
        store.close()
    groups_of = {line.operator.id: sorted(g for g, refs in group_ops.items() if set(refs) & line.operator.refs)
                 for line in lines}
    if fmt == "json":
        click.echo(json.dumps([{**line.operator.to_json(), "groups": groups_of[line.operator.id],
                                "today": {"open": line.open, "overdue": line.overdue, "done": line.done}}
                               for line in lines], ensure_ascii=False, indent=2))
        return
    table = Table(show_edge=False)
    for name in ("id", "name", "role", "groups", "open", "overdue", "done"):
        table.add_column(name, overflow="fold", justify="right" if name in ("open", "overdue", "done") else "left")
    for line in lines:
        op = line.operator
        table.add_row(op.id, op.name, op.role or "", ", ".join(groups_of[op.id]), str(line.open), str(line.overdue),
                      str(line.done))
    wide_console().print(table)


@operators_command.command("link")
@click.argument("name")
@click.option("--lead", is_flag=True, help="The link sees every group's tasks and the team view.")
@click.option("--expires", default="30d", show_default=True, help="How long the link works (30d, 12h; 0 for never).")
@click.option("--base-url", envvar="SOPENGINE_BASE_URL", default=DEFAULT_BASE_URL, show_default=True,
              help="Where the workspace is served (as people's phones reach it).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@DB_OPTION
@now_option()
def link_command(name: str, lead: bool, expires: str, base_url: str, fmt: str, db_url: str | None,
                 now: datetime | None) -> None:
    """Print a personal workspace link for operator NAME (an id or a name). The link's token is
    shown only here: the store keeps its hash. The same token works for the API as
    `Authorization: Bearer TOKEN`."""
    from sopengine.web.tokens import new_token, token_hash

    try:
        lifetime = timedelta(0) if expires.strip() == "0" else parse_duration(expires)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--expires") from None
    store = open_store(db_url, plugin_host())
    try:
        operator = _known(store, name)
        at = current_time(now)
        token = new_token()
        expires_at = at + lifetime if lifetime else None
        store.add_token(token_hash(token), operator.id, lead or operator.is_lead, at, expires_at)
    finally:
        store.close()
    url = f"{base_url.rstrip('/')}/t/{token}"
    if fmt == "json":
        click.echo(json.dumps({"operator": operator.id, "url": url, "token": token, "lead": lead or operator.is_lead,
                               "expires_at": expires_at.isoformat() if expires_at else None}, ensure_ascii=False))
    else:
        click.echo(f"{say('operators.link', name=operator.name, id=operator.id)}\n{url}")
        if expires_at:
            click.echo(say("operators.expires", when=f"{expires_at:%Y-%m-%d %H:%M %Z}"))


@operators_command.command("revoke")
@click.argument("name")
@DB_OPTION
@now_option()
def revoke_command(name: str, db_url: str | None, now: datetime | None) -> None:
    """End every workspace link of operator NAME (an id or a name)."""
    store = open_store(db_url, plugin_host(), create=False)
    try:
        operator = _known(store, name)
        ended = store.revoke_tokens(operator.id, current_time(now))
    finally:
        store.close()
    click.echo(f"{operator.id}: {ended} link(s) ended")
