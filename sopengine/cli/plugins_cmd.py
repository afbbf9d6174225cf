"""``sopengine plugins``: every plugin, its version, what it registered, and failures."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from sopengine.cli.common import echo_json
from sopengine.cli.runtime import plugin_host


@click.command("plugins")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--strict", is_flag=True, help="Exit 1 if any plugin failed to load (for CI).")
def plugins_command(fmt: str, strict: bool) -> None:
    """List installed plugins (built-ins come through the same entry points as third-party ones)."""
    host = plugin_host()
    infos = sorted(host.plugins.values(), key=lambda p: p.name)
    if fmt == "json":
        echo_json([{"name": p.name, "version": p.version, "module": p.module, "channels": p.channels,
                    "kinds": p.kinds, "events": p.events, "filters": p.filters, "error": p.error} for p in infos])
    else:
        table = Table(show_edge=False)
        for column in ("plugin", "version", "registered", "status"):
            table.add_column(column)
        for p in infos:
            registered = "; ".join(f"{what}: {', '.join(names)}" for what, names in (
                ("channels", p.channels), ("kinds", p.kinds), ("events", p.events), ("filters", p.filters)) if names)
            table.add_row(p.name, p.version, registered, f"[red]failed: {p.error}[/]" if p.error else "ok")
        Console().print(table)
    raise SystemExit(1 if strict and host.failures else 0)
