"""``sopengine lint``: best-practice warnings about SOPs, from community-operations practice."""

from __future__ import annotations

import os

from pathlib import Path

import click

from sopengine.cli.runtime import plugin_host
from sopengine.lint import RULES, ConfigError, LintConfig, lint_workspace
from sopengine.model.problems import Problem
from sopengine.loading.workspace import load_workspace
from sopengine.cli.common import PATHS, echo_json


def _rules_epilog() -> str:
    lines = ["\b", "Rules (RULE.SETTING defaults):"]
    for rule in RULES:
        settings = ", ".join(f"{name}={p.show(p.default)}" for name, p in rule.params.items())
        lines.append(f"  {rule.id:<18} {rule.summary}" + (f" [{settings}]" if settings else ""))
    lines += ["", "\b", "Suppress with a YAML comment on a step's `- id:` line or the line above it:",
              "  # lint: ignore=quiet-hours,too-many-pushes",
              "or, before `sop:` at the top of the file, for the whole SOP."]
    return "\n".join(lines)


@click.command("lint", epilog=_rules_epilog())
@PATHS
@click.option("--groups", "groups_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Groups file (groups.yaml). Defaults to groups files among PATHS.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML file: {rules: {RULE: {enabled: bool, SETTING: value}}}.")
@click.option("--set", "assignments", multiple=True, metavar="RULE.SETTING=VALUE",
              help="Override one setting, e.g. too-many-pushes.max_per_day=6 (repeatable; after --config).")
def lint_command(paths: tuple[Path, ...], groups_file: Path | None, fmt: str, config_file: Path | None,
                 assignments: tuple[str, ...]) -> None:
    """Warn about SOPs that would run badly: too few touches, spam, night posts, stingy red packets...

    Each SOP is planned for every matching group (or, if none matches, for a
    sample group starting on a Monday) and checked against best practice.
    Warnings print as FILE:LINE:COL: warning: [rule] message — why. Exit 0
    with warnings only; 1 when a file is invalid (its problems are printed as
    `validate` prints them); 2 on a usage or config error. `--format json`
    prints one list of {rule, file, line, col, severity, step, message, why}:
    validation problems first (rule null), then the lint warnings.
    """
    config = LintConfig.defaults(RULES)
    try:
        if config_file is not None:
            config = config.with_file(config_file)
        for assignment in assignments:
            config = config.with_assignment(assignment)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    options = plugin_host().load_options(os.environ)
    ws = load_workspace(paths, [groups_file] if groups_file else [], options)
    report = lint_workspace(ws, config, options.channel_capabilities)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    if fmt == "json":
        problems = [{"rule": None, **p.as_dict(), "step": None, "why": None} for p in ws.problems]
        echo_json(problems + [f.as_dict() for f in report.findings])
    else:
        lines = [((p.file, p.line, p.col), str(p)) for p in ws.problems]
        lines += [((f.file, f.line, f.col), str(f)) for f in report.findings]
        for _, line in sorted(lines):
            click.echo(line)
    errors = [p for p in ws.problems if p.severity == "error"]
    click.echo(_summary(report.sops, [f.file for f in report.findings], errors, ws.failed_files()), err=True)
    raise SystemExit(0 if ws.ok else 1)


def _summary(sops: int, warned_files: list[str], errors: list[Problem], failed: set[str]) -> str:
    """One line for stderr: lint warnings per SOP file, then validation errors if any."""
    if warned_files:
        text = f"{len(warned_files)} warning(s) in {len(set(warned_files))} of {sops} SOP file(s)"
    else:
        text = f"no warnings in {sops} SOP(s)"
    if failed:
        return f"{text}; {len(errors)} problem(s) in {len(failed)} invalid file(s)"
    return f"ok: {text}" if not warned_files else text
