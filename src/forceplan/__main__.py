"""``python -m forceplan``: the same as the ``forceplan`` command."""

from forceplan.cli import main

main()
