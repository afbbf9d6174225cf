"""The ``sopengine`` command line. Exit codes: 0 ok, 1 a problem with the input or run, 2 usage."""

from __future__ import annotations

import click

from .. import __version__
from .apply import apply_command
from .commands import done_command, event_command, pause_command, resume_command, retry_command, skip_command
from .plan import plan_command
from .plugins_cmd import plugins_command
from .run import run_command
from .schema import schema_command
from .status import actions_command, status_command
from .validate import validate_command

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
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
                event_command, plugins_command):
    main.add_command(command)
