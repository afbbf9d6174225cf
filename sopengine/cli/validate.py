"""``sopengine validate``: check SOP and groups files, every problem at once."""

from __future__ import annotations

import os

from pathlib import Path

import click

from sopengine.loading.workspace import load_workspace
from sopengine.cli.common import PATHS, echo_json, echo_problems
from sopengine.cli.runtime import plugin_host


@click.command("validate")
@PATHS
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def validate_command(paths: tuple[Path, ...], fmt: str) -> None:
    """Check SOP files and groups files (files, or every *.yaml/*.yml directly in a folder).

    Every problem is printed as FILE:LINE:COL: message. Exit 0 when all are
    valid, 1 when any is not.
    """
    ws = load_workspace(paths, options=plugin_host().load_options(os.environ))
    if fmt == "json":
        echo_json({
            "ok": ws.ok,
            "files": [str(f) for f in ws.files],
            "sops": [s.id for s in ws.sops],
            "groups": [g.id for g in ws.groups],
            "problems": [p.as_dict() for p in ws.problems],
        })
    else:
        echo_problems(ws.problems, err=False)
        if ws.ok:
            click.echo(f"ok: {len(ws.sops)} SOP(s), {len(ws.groups)} group(s) in {len(ws.files)} file(s)", err=True)
        else:
            bad = len(ws.failed_files())
            click.echo(f"{len(ws.problems)} problem(s) in {bad} of {len(ws.files)} file(s)", err=True)
    raise SystemExit(0 if ws.ok else 1)
