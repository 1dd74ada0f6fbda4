"""The ``forceplan`` command line (Typer + Rich). Commands parse, call one core function, and print."""

from forceplan.cli.app import app, main

__all__ = ["app", "main"]
