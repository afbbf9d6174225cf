"""``python -m sopengine`` runs the command line, as the ``sopengine`` program does."""

from sopengine.cli.console import run

run()
