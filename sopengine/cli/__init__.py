"""The ``sopengine`` command line. Exit codes: 0 ok, 1 a problem with the input or run, 2 usage."""

from __future__ import annotations

import click

from .. import __version__
from .apply import apply_command
from .groups import groups_command
from .lint import lint_command
from .commands import done_command, event_command, pause_command, resume_command, retry_command, skip_command
from .plan import plan_command
from .plugins_cmd import plugins_command
from .run import run_command
from .schema import schema_command
from .status import actions_command, status_command
from .validate import validate_command

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class SopengineGroup(click.Group):
    """The command group; plugins add commands through the ``register_commands`` hook."""

    def _plugin_commands(self) -> dict[str, click.Command]:
        if not hasattr(self, "_from_plugins"):
            from .runtime import plugin_host

            self._from_plugins = {n: c for n, c in plugin_host().commands.items() if n not in self.commands}
        return self._from_plugins

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self._plugin_commands()})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self.commands.get(name) or self._plugin_commands().get(name)


@click.group(cls=SopengineGroup, context_settings=CONTEXT)
@click.version_option(__version__, prog_name="sopengine")
def main() -> None:
    """Run community-operations (社群运营) SOPs: YAML in, timed actions out, sent on time.

    \b
    Quick tour:
      sopengine validate sops/                       check every SOP and groups file
      sopengine plan sops/ --groups sops/groups.yaml show what will happen, day by day
      sopengine schema > sop.schema.json             JSON Schema for your editor
      sopengine apply sops/ --groups sops/groups.yaml sync them into the store
      sopengine run                                  the daemon: dispatch on time, exactly once
    """


for command in (validate_command, plan_command, schema_command, apply_command, run_command, status_command,
                actions_command, done_command, retry_command, skip_command, pause_command, resume_command,
                event_command, plugins_command, groups_command, lint_command):
    main.add_command(command)
