"""Shared pieces of the CLI: the consoles, scenario loading with exit code 2 on bad input."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, cast

import typer
from typer.core import _TyperParameter

from forceplan.fsutil import write_atomic

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from forceplan.scenario import Scenario, ScenarioError


class _ConsoleOnFirstUse:
    """A Rich ``Console`` made when it is first used: importing rich.console and rich.text costs about a third of
    what ``import typer, rich`` does, and ``--help`` or a command that fails before printing needs neither. Every
    attribute read or set is the made console's."""

    def __init__(self, **kwargs: Any):
        object.__setattr__(self, "_kwargs", kwargs)
        object.__setattr__(self, "_made", None)

    def made(self) -> Console:
        made = object.__getattribute__(self, "_made")
        if made is None:
            from rich.console import Console

            made = Console(**object.__getattribute__(self, "_kwargs"))
            object.__setattr__(self, "_made", made)
        return made

    def __getattr__(self, name: str) -> Any:
        return getattr(self.made(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.made(), name, value)

    # The console's size as properties here too, so that a test's monkeypatch of the width sees a data descriptor
    # and restores the value (it would otherwise look in this object's own __dict__ and delete the attribute).
    @property
    def width(self) -> int:
        return self.made().width

    @width.setter
    def width(self, value: int) -> None:
        self.made().width = value

    @property
    def height(self) -> int:
        return self.made().height

    @height.setter
    def height(self, value: int) -> None:
        self.made().height = value


def made_console(con: Console) -> Console:
    """The Rich console itself, for Rich objects that hold a console (a progress bar)."""
    return con.made() if isinstance(con, _ConsoleOnFirstUse) else con


# No markup or emoji parsing anywhere: every string printed may hold user text (ids, names, file names), which must
# print as written ("[lon, lat]" stays, ":100:" is no emoji). Style is given with ``style=`` or ``Text``.
console = cast("Console", _ConsoleOnFirstUse(markup=False, emoji=False, highlight=False))
err_console = cast("Console", _ConsoleOnFirstUse(stderr=True, markup=False, emoji=False, highlight=False))

EXIT_BAD_INPUT = 2


__all__ = [
    "EXIT_BAD_INPUT",
    "check_threats",
    "console",
    "err_console",
    "fail",
    "load_log_records",
    "load_or_exit",
    "parse_nations",
    "progress_bar",
    "report_problems",
    "scenario_or_none",
    "table",
    "write_atomic",
    "write_csv_tables",
]


class InterruptedKept(typer.Exit):
    """Ctrl-C in a command that keeps what it finished: exit 130 with the command's own message of what it kept."""

    said: ClassVar[list[str]] = []
    """The message of the last one raised: Click hands a command's exit code back without the exception."""

    def __init__(self, message: str):
        super().__init__(130)
        self.message = message
        InterruptedKept.said.append(message)


def progress_bar() -> Progress:
    """The progress bar of long commands: stage name, bar, count, elapsed time; cleared when done."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn  # only long commands pay for it

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=made_console(console),
        transient=True,
    )


_TYPE_WORDS = {
    "str": "TEXT",
    "int": "INTEGER",
    "int range": "INTEGER",
    "float": "NUMBER",
    "float range": "NUMBER",
    "bool": "FLAG",
    "path": "PATH",
    "file": "FILE",
    "directory": "FOLDER",
    "datetime": "DATE",
}


def _typed_display(display: Any) -> Any:
    """Typer's help shows Python types ('<bool>', '<list[str]>'); people read TEXT, INTEGER, FLAG, and 'TEXT...'
    for an option that may be repeated."""

    def show(self: Any, ctx: Any) -> str:
        raw = str(display(self, ctx))
        inner = raw[1:-1] if raw.startswith("<") and raw.endswith(">") else raw
        repeated = inner.startswith("list[") and inner.endswith("]")
        if repeated:
            inner = inner[5:-1]
        if getattr(self, "is_flag", False) or self.type_descriptor.annotation is bool:
            return "FLAG"
        word = _TYPE_WORDS.get(inner, inner if "|" in inner else inner.upper())
        return f"{word}..." if repeated else word

    return show


_TyperParameter.display_type = _typed_display(_TyperParameter.display_type)  # type: ignore[method-assign]


class _DeferredCoercion:
    """A parameter's value coercion, built on the first value that needs it. Typer builds a pydantic TypeAdapter
    for every parameter it processes, even one left unset (value None), which needs no coercion: so ``forceplan
    plan --help`` imported pydantic (about 0.06 s of CPU) for the root's unset options. Unset values come
    back as Typer's own coercion returns them (None, or () for a repeatable option); any other value goes through
    Typer's coercion, unchanged."""

    __slots__ = ("descriptor", "real")

    def __init__(self, descriptor: Any):
        self.descriptor = descriptor
        self.real: Any = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None:
            return () if param.multiple or param.nargs == -1 else None
        if self.real is None:
            from typer._coercion import build_runtime_param

            self.real = build_runtime_param(self.descriptor)
        return self.real.coerce(value, param=param, ctx=ctx)


def _deferred_runtime_param(self: Any) -> Any:
    if self._runtime_param is None:
        self._runtime_param = _DeferredCoercion(self.type_descriptor)
    return self._runtime_param


_TyperParameter.get_runtime_param = _deferred_runtime_param  # type: ignore[method-assign]


def table(title: str | None = None, **kwargs: Any) -> Table:
    """The console's table: wraps its cells at spaces, or stacks its rows where it cannot fit (FoldTable)."""
    from forceplan.cli.tables import FoldTable

    return FoldTable(title=title, **kwargs)


def scenario_or_none(source: str) -> Scenario | None:
    """The scenario a plan names, when it can be loaded (only for names in output), else None."""
    from forceplan.scenario import ScenarioError, load_scenario

    try:
        return load_scenario(source)
    except (ScenarioError, OSError, ValueError):
        return None


def fail(message: str, hint: str | None = None) -> NoReturn:
    """Print a clear message on stderr and exit with code 2 (bad input)."""
    from rich.text import Text

    err_console.print(Text.assemble(("error:", "bold red"), " ", message))
    if hint:
        err_console.print(f"  hint: {hint}", highlight=False)
    raise typer.Exit(EXIT_BAD_INPUT)


def report_problems(exc: ScenarioError) -> NoReturn:
    err_console.print(f"{len(exc.problems)} problem(s) in the input; nothing was run:", style="bold red")
    for p in exc.problems:
        err_console.print(f"  {p}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def load_or_exit(source: str) -> Scenario:
    """Load a scenario (bundled name or path); on any problem print them all and exit with code 2."""
    from forceplan.scenario import ScenarioError, load_scenario
    from forceplan.scenario.bundled import bundled_path, list_bundled
    from forceplan.scenario.problems import nearest

    if bundled_path(str(source)) is None and not Path(source).exists():
        bundled = list_bundled()
        best = nearest(str(source), bundled)
        fail(
            f"no scenario file or bundled scenario named {str(source)!r}",
            f"did you mean {best!r}?"
            if best
            else f"bundled scenarios: {', '.join(bundled)} (`forceplan scenario list`); or give a file path",
        )
    try:
        return load_scenario(source)
    except ScenarioError as exc:
        report_problems(exc)


def check_threats(sc: Scenario, ids: Iterable[str] | None) -> list[str] | None:
    """The threat ids asked for (None: all), or exit 2 naming the valid ones."""
    known = [t.id for t in sc.threats]
    for t in ids or []:
        if t not in known:
            fail(f"unknown threat {t!r}", f"threats: {', '.join(known)}")
    return list(ids) if ids else None


def parse_nations(sc: Scenario, values: str | Sequence[str] | None, option: str = "--without") -> frozenset[str]:
    """ISO3 codes given as 'FRA,DEU', 'FRA DEU' or a repeated option; exit 2 naming the valid codes."""
    items = [values] if isinstance(values, str) else list(values or [])
    codes = {c.strip().upper() for v in items for c in v.replace(" ", ",").split(",") if c.strip()}
    known = {n.iso3 for n in sc.nations}
    if codes - known:
        fail(f"{option}: unknown nation {', '.join(sorted(codes - known))}", f"valid codes: {', '.join(sorted(known))}")
    return frozenset(codes)


def load_log_records(folder: Path | None) -> list[dict[str, Any]] | None:
    """The records of an incident log (None if no folder given); exit 2 if it is not a log."""
    if folder is None:
        return None
    from forceplan.monitoring.log import LogError
    from forceplan.plan import read_log_records

    try:
        return read_log_records(folder)
    except LogError as exc:
        fail(str(exc))


def write_csv_tables(out_dir: Path, tables: dict[str, tuple[list[str], list[list[object]]]]) -> list[Path]:
    """Write ``name.csv`` for each (header, rows) table, each file whole or not at all."""
    written = []
    for name, (header, rows) in tables.items():
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
        write_atomic(out_dir / f"{name}.csv", buf.getvalue())
        written.append(out_dir / f"{name}.csv")
    return written


MALLOC_ARENAS = 1
"""Heaps glibc's allocator may keep for a process's threads (``plan``; glibc's default: up to 8 per core). One heap:
a `--without FRA` plan peaked at 357-359 MB (two heaps 364-376 MB, glibc's default up to 430 MB), in the same time."""


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Let glibc's allocator keep at most ``arenas`` heaps. By default each thread that allocates gets a heap of its
    own and keeps what it frees there: ``plan``'s threads (the stages beside the chain, the assessment's, the PDF
    printer's) held up to 70 MB more at the peak than with one heap, in the same time (docs/benchmarks.md). Call
    before the threads start; a ``MALLOC_ARENA_MAX`` in the environment wins. Returns whether the limit was set
    (False off glibc, e.g. musl or macOS)."""
    import ctypes
    import os
    import sys

    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    m_arena_max = -8  # glibc's <malloc.h>
    return bool(mallopt(ctypes.c_int(m_arena_max), ctypes.c_int(arenas)))
