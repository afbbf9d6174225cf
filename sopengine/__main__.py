"""``python -m sopengine`` runs the command line."""

from .cli import main

main()
