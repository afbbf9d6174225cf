"""``sopengine schema``: the JSON Schema of SOP files."""

from __future__ import annotations

import click

from sopengine.loading.schema import sop_json_schema
from sopengine.cli.common import echo_json
from sopengine.cli.runtime import plugin_host


@click.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the SOP file format (for editor autocomplete and checks).

    \b
    VS Code with the YAML extension, in settings.json:
      "yaml.schemas": {"./sop.schema.json": "sops/*.yaml"}
    """
    echo_json(sop_json_schema(plugin_host().kinds))  # plugins' kinds too
