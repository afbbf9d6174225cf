"""The ``sopengine`` command line. Exit codes: 0 ok, 1 a problem with the input or run, 2 usage."""

from __future__ import annotations

import click

from .. import __version__
from .plan import plan_command
from .schema import schema_command
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
    """


main.add_command(validate_command)
main.add_command(plan_command)
main.add_command(schema_command)
