"""Shared pieces of the CLI: the consoles, scenario loading with exit code 2 on bad input."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from forceplan.fsutil import write_atomic
from forceplan.scenario import Scenario, ScenarioError, load_scenario

console = Console()
err_console = Console(stderr=True)

EXIT_BAD_INPUT = 2

__all__ = [
    "EXIT_BAD_INPUT",
    "console",
    "err_console",
    "fail",
    "load_or_exit",
    "progress_bar",
    "report_problems",
    "write_atomic",
]


def progress_bar() -> Progress:
    """The progress bar of long commands: stage name, bar, count, elapsed time; cleared when done."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def fail(message: str, hint: str | None = None) -> NoReturn:
    """Print a clear message on stderr and exit with code 2 (bad input)."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    if hint:
        err_console.print(f"  hint: {hint}", highlight=False)
    raise typer.Exit(EXIT_BAD_INPUT)


def report_problems(exc: ScenarioError) -> NoReturn:
    err_console.print(f"[bold red]{len(exc.problems)} problem(s) in the input; nothing was run:[/]", highlight=False)
    for p in exc.problems:
        err_console.print(f"  {p}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def load_or_exit(source: str) -> Scenario:
    """Load a scenario (bundled name or path); on any problem print them all and exit with code 2."""
    try:
        return load_scenario(source)
    except ScenarioError as exc:
        report_problems(exc)
