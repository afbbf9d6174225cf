"""The ``sopengine`` command line. Exit codes: 0 ok, 1 a problem with the input or run, 2 usage."""

from __future__ import annotations

import importlib

import click

from sopengine.words import DEFAULT, LANGUAGES, set_language

from sopengine import __version__

#: Commands are imported only when used, so `plan` never pays for the store or the daemon.
LAZY_COMMANDS = {
    "validate": "validate:validate_command", "plan": "plan:plan_command", "schema": "schema:schema_command",
    "lint": "lint:lint_command", "apply": "apply:apply_command", "run": "run:run_command",
    "status": "status:status_command", "actions": "status:actions_command", "done": "commands:done_command",
    "retry": "commands:retry_command", "skip": "commands:skip_command", "pause": "commands:pause_command",
    "resume": "commands:resume_command", "event": "commands:event_command", "plugins": "plugins_cmd:plugins_command",
    "groups": "groups:groups_command", "health": "status:health_command",
    "operators": "operators:operators_command", "serve": "serve:serve_command", "report": "report:report_command",
    "diff": "diff:diff_command", "members": "members:members_command",
}

#: What ``sopengine --help`` says of each built-in, so listing them imports none of them.
SUMMARIES = {
    "actions": "List the ledger's actions (csv, xlsx, json too).",
    "apply": "Sync SOP files and groups into the store.",
    "diff": "Compare two versions of the SOP files as plans.",
    "done": "Confirm that operator tasks were done.",
    "event": "Record an event (member_joined) and plan its steps.",
    "groups": "List groups, or import their facts (groups import).",
    "health": "Is a daemon alive, and is anything late?",
    "lint": "Warn about SOPs that would run a community badly.",
    "members": "List members with their stage, or import them.",
    "operators": "List operators; make or revoke their workspace links.",
    "pause": "Pause a group or an SOP.",
    "plan": "Plan SOPs for their groups, day by day (pure).",
    "plugins": "List installed plugins and what they registered.",
    "report": "Execution per operator, SOP, group or day (执行率).",
    "resume": "Resume a paused group or SOP.",
    "retry": "Try a failed, missed or overdue action again.",
    "run": "The daemon: dispatch due actions on time, once.",
    "schema": "Print the JSON Schema of SOP files.",
    "serve": "Serve the operators' workspace (web app and API).",
    "skip": "Skip an action that has not happened yet.",
    "status": "Counts by state per SOP and group, next due.",
    "validate": "Check SOP and groups files; every problem at its line.",
}

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class SopengineGroup(click.Group):
    """The command group: built-ins load lazily; plugins add commands through ``register_commands``."""

    def _plugin_commands(self) -> dict[str, click.Command]:
        if not hasattr(self, "_from_plugins"):
            from sopengine.cli.runtime import plugin_host

            host = plugin_host()
            self._host_failed = bool(host.failures)
            self._from_plugins = {n: c for n, c in host.commands.items() if n not in LAZY_COMMANDS}
        return self._from_plugins

    def _plugin_help(self) -> dict[str, str]:
        """Plugin command name → one-line help, cached while the installed plugins stay the same."""
        if not hasattr(self, "_listed"):
            from sopengine.cli.listing import plugin_command_help

            def load() -> tuple[dict[str, str], bool]:
                commands = {n: c.get_short_help_str(limit=60) for n, c in self._plugin_commands().items()}
                return commands, not self._host_failed

            self._listed = plugin_command_help(load)
        return self._listed

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*LAZY_COMMANDS, *self._plugin_help()})

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list: built-ins from :data:`SUMMARIES`, plugins' from the listing cache
        (so ``--help`` imports no command and, usually, no plugin)."""
        rows = [(name, SUMMARIES.get(name) or self._plugin_help().get(name, ""))
                for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            module, attr = LAZY_COMMANDS[name].split(":")
            command: click.Command = getattr(importlib.import_module(f"{__name__}.{module}"), attr)
            return command
        return self._plugin_commands().get(name)


@click.group(cls=SopengineGroup, context_settings=CONTEXT)
@click.version_option(__version__, prog_name="sopengine")
@click.option("--lang", type=click.Choice(LANGUAGES), default=DEFAULT, envvar="SOPENGINE_LANG", show_default=True,
              help="The language of operators' words: tasks, pages, notices, reports (env SOPENGINE_LANG).")
def main(lang: str) -> None:
    """Run community-operations (社群运营) SOPs: YAML in, timed actions out, sent on time.

    \b
    Quick tour:
      sopengine validate sops/                       check every SOP and groups file
      sopengine plan sops/ --groups sops/groups.yaml show what will happen, day by day
      sopengine schema > sop.schema.json             JSON Schema for your editor
      sopengine apply sops/ --groups sops/groups.yaml sync them into the store
      sopengine run                                  the daemon: dispatch on time, exactly once
    """
    set_language(lang)
