"""The root Typer application."""

from __future__ import annotations

import functools
import logging
from typing import Annotated, Any

import typer
from typer.models import CommandInfo

from forceplan.cli.group import HelpGroup, LazyCommands

# Every command of the root, in the order the help lists them: "module:name" of its function, or of a sub-app (a
# group of commands). A module is imported, and its command built, only when the command is looked up: so
# ``forceplan plan --help`` imports the plan command alone (forceplan.cli.group).
COMMANDS = {
    "plan": "forceplan.cli.plan_cmd:plan",
    "phases": "forceplan.cli.plan_cmd:phases",
    "forcegen": "forceplan.cli.forcegen_cmd:forcegen",
    "station": "forceplan.cli.station_cmd:station",
    "sustain": "forceplan.cli.sustain_cmd:sustain",
    "respond": "forceplan.cli.respond_cmd:respond_cmd",
    "engage": "forceplan.cli.engage_cmd:engage",
    "calibrate": "forceplan.cli.engage_cmd:calibrate",
    "assess": "forceplan.cli.engage_cmd:assess_cmd",
    "schema": "forceplan.cli.schema_cmd:schema",
    "compare": "forceplan.cli.compare_cmd:compare",
    "explore": "forceplan.cli.explore_cmd:explore",
    "serve": "forceplan.cli.registry_cmd:serve",
    "warmup": "forceplan.cli.app:warmup",
    "scenario": "forceplan.cli.scenario_cmd:app",
    "monitor": "forceplan.cli.monitor_cmd:app",
    "registry": "forceplan.cli.registry_cmd:registry_app",
    "users": "forceplan.cli.registry_cmd:users_app",
    "db": "forceplan.cli.registry_cmd:db_app",
}


def _entry(name: str, target: str) -> CommandInfo | typer.Typer:
    import importlib

    module, attr = target.split(":")
    obj = getattr(importlib.import_module(module), attr)
    return obj if isinstance(obj, typer.Typer) else CommandInfo(name=name, callback=obj)


class RootGroup(HelpGroup):
    """The root group: its commands are those of COMMANDS, each built when asked for."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.commands = LazyCommands(
            {name: functools.partial(_entry, name, target) for name, target in COMMANDS.items()}
        )


app = typer.Typer(
    name="forceplan",
    help="Decision support for a multinational reassurance and deterrence force after a ceasefire.",
    no_args_is_help=True,
    cls=RootGroup,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def warmup() -> None:
    """Compile every numerical kernel once and cache it (numba), so that the first real run does not wait for
    compilation; 'make demo' runs it after installing. Safe to repeat; a read-only install caches in the user's
    cache folder."""
    import time

    from forceplan.cli.common import console
    from forceplan.warm import warm_kernels

    t0 = time.perf_counter()
    names = warm_kernels()
    console.print(f"compiled and cached {len(names)} kernels ({', '.join(names)}) in {time.perf_counter() - t0:.1f} s")


def _version(value: bool) -> None:
    if value:
        import forceplan
        from forceplan.cli.common import console

        console.print(f"forceplan {forceplan.__version__}")
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


def run(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code; the one error path of every command.

    0 success, 1 a check found something, 2 bad input (file, line or field named, what to do), 130 interrupted.
    An input or output problem that a command did not catch itself (a folder where a file belongs, a file that
    cannot be read or written, text that is not UTF-8, a malformed CSV or JSON file) becomes one line and exit 2,
    never a traceback."""
    import csv
    import json

    try:  # Typer vendors click from 0.20 on
        from typer._click.exceptions import ClickException
    except ImportError:  # pragma: no cover - older Typer
        from click import ClickException  # type: ignore[no-redef,assignment,unused-ignore]

    from forceplan.cli.common import err_console
    from forceplan.fsutil import InputFileError

    try:
        rv = app(args=argv, standalone_mode=False, prog_name="forceplan")
    except typer.Exit as exc:
        if exc.exit_code == 130:
            return _interrupted(err_console, getattr(exc, "message", None))
        return int(exc.exit_code or 0)
    except typer.Abort:
        return _interrupted(err_console)
    except ClickException as exc:
        exc.show()
        return int(exc.exit_code)
    except KeyboardInterrupt:
        return _interrupted(err_console)
    except SystemError as exc:  # Ctrl-C inside a compiled (numba) kernel or its cache loader surfaces as SystemError
        if _caused_by_interrupt(exc):
            return _interrupted(err_console)
        raise
    except InputFileError as exc:
        return _bad_input(err_console, str(exc), None)
    except (IsADirectoryError, NotADirectoryError, FileNotFoundError, PermissionError, FileExistsError) as exc:
        name = exc.filename or ""
        return _bad_input(
            err_console, f"{name}: {exc.strerror or exc}", "check the path given, and that you may use it"
        )
    except OSError as exc:
        return _bad_input(err_console, f"{exc.filename or ''}: {exc.strerror or exc}", None)
    except UnicodeDecodeError:
        return _bad_input(err_console, "an input file is not UTF-8 text", "save it as UTF-8")
    except (csv.Error, json.JSONDecodeError, RecursionError, OverflowError) as exc:
        return _bad_input(err_console, f"malformed input ({type(exc).__name__}: {exc})", None)
    if rv == 130:
        from forceplan.cli.common import InterruptedKept

        return _interrupted(err_console, InterruptedKept.said.pop() if InterruptedKept.said else None)
    return int(rv) if isinstance(rv, int) else 0


def _bad_input(con: Any, message: str, hint: str | None) -> int:
    from rich.text import Text

    con.print(Text.assemble(("error:", "bold red"), " ", message))
    if hint:
        con.print(f"  hint: {hint}")
    return 2


def _interrupted(con: Any, message: str | None = None) -> int:
    con.print(message or "interrupted: stopped; no partial output was left")
    return 130


def _caused_by_interrupt(exc: BaseException) -> bool:
    """Whether a Ctrl-C lies anywhere in the exception's chain: numba wraps a KeyboardInterrupt raised while it loads
    a cached kernel in one SystemError per nested unpickle."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        if isinstance(e, KeyboardInterrupt):
            return True
        seen.add(id(e))
        todo += [e.__cause__, e.__context__]
    return False


def main() -> None:
    import sys

    sys.exit(run())
