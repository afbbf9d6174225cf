"""``python -m sopengine`` runs the command line."""

from sopengine.cli import main

main()
