"""The root Typer application."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from forceplan import __version__
from forceplan.cli import (
    engage_cmd,
    forcegen_cmd,
    monitor_cmd,
    plan_cmd,
    respond_cmd,
    scenario_cmd,
    schema_cmd,
    station_cmd,
)
from forceplan.cli.common import console

app = typer.Typer(
    name="forceplan",
    help="Decision support for a multinational reassurance and deterrence force after a ceasefire.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("plan")(plan_cmd.plan)
app.command("phases")(plan_cmd.phases)
app.add_typer(scenario_cmd.app, name="scenario")
app.add_typer(monitor_cmd.app, name="monitor")
app.command("forcegen")(forcegen_cmd.forcegen)
app.command("station")(station_cmd.station)
app.command("respond")(respond_cmd.respond_cmd)
app.command("engage")(engage_cmd.engage)
app.command("calibrate")(engage_cmd.calibrate)
app.command("assess")(engage_cmd.assess_cmd)
app.command("schema")(schema_cmd.schema)


def _version(value: bool) -> None:
    if value:
        console.print(f"forceplan {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress to stderr")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


def main() -> None:
    app()
