"""Command groups that build a command only when it is asked for.

Typer builds the Click command of every command of an app before it runs one: it imports every command module and
reads every signature (one ``eval`` per annotation), about 0.03 s of CPU on every ``--help``, half of what
``import typer, rich`` costs. Here a group holds, for each name, what the name stands for (a Typer ``CommandInfo``
or a sub-app, imported on first use) and builds its Click command when it is looked up. A group's help lists each
command with the first paragraph of its help, read from the docstring without building the command.

The help is Click's plain help (``rich_markup_mode=None``): Typer's Rich help renderer costs about 0.04 s more to
import (markdown-it, pygments) and its panels cut long values with '…' at 80 columns; the plain help wraps every
option's help text whole (docs/benchmarks.md, "--help within 3×")."""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import typer
from typer.core import TyperGroup
from typer.main import get_command_from_info, get_command_name, get_group
from typer.models import CommandInfo, DefaultPlaceholder

Entry = CommandInfo | typer.Typer
"""What a command name stands for before it is built: a command's registration, or a sub-app (a group)."""


def sub_app(help: str) -> typer.Typer:
    """A command group of the forceplan app (``monitor``, ``scenario``, ...): help when called without a command,
    plain Click help, commands built when asked for."""
    return typer.Typer(help=help, no_args_is_help=True, cls=HelpGroup, rich_markup_mode=None)


class LazyCommands(MutableMapping[str, Any]):
    """A group's commands by name, in the order given; a command is built (and its module imported) on first
    lookup. Commands added later (``add_command``) are kept as given."""

    def __init__(self, entries: dict[str, Callable[[], Entry]], *, markup: Any = None, short: bool = True):
        self._loaders = dict(entries)
        self._entries: dict[str, Entry] = {}
        self._built: dict[str, Any] = {}
        self._markup = markup
        self._short = short

    def entry(self, name: str) -> Entry:
        if name not in self._entries:
            self._entries[name] = self._loaders[name]()
        return self._entries[name]

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in self._loaders:
                raise KeyError(name)
            e = self.entry(name)
            if isinstance(e, typer.Typer):
                self._built[name] = lazy_group(e, name)
            else:
                self._built[name] = get_command_from_info(
                    e, pretty_exceptions_short=self._short, rich_markup_mode=self._markup
                )
        return self._built[name]

    def __setitem__(self, name: str, cmd: Any) -> None:
        self._built[name] = cmd
        self._loaders.setdefault(name, lambda: CommandInfo(name=name))

    def __delitem__(self, name: str) -> None:
        del self._loaders[name]
        self._entries.pop(name, None)
        self._built.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._loaders  # without building it (Mapping's own would)

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaders)

    def __len__(self) -> int:
        return len(self._loaders)

    def summary(self, name: str) -> str | None:
        """The first paragraph of the command's help as one line ('' if it has none); None for a hidden command.
        Read from the built command if there is one, else from the docstring or the app's help (not built)."""
        if name in self._built:
            return _summary(self._built[name])
        e = self.entry(name)
        if isinstance(e, CommandInfo):
            if e.hidden:
                return None
            return _with_deprecation(flowed(e.short_help or e.help or inspect.getdoc(e.callback)), e.deprecated)
        help_text = e.info.help
        if isinstance(help_text, DefaultPlaceholder) or _given(e.info.hidden) or _given(e.info.deprecated):
            return _summary(self[name])  # help from a callback's docstring, or other settings: as Typer resolves them
        return flowed(help_text)


def flowed(text: str | None) -> str:
    """A help text's first paragraph as one line (a docstring's hard line breaks would rag the command list)."""
    return " ".join(inspect.cleandoc(text or "").split("\n\n")[0].split())


def _given(value: Any) -> bool:
    """Whether a sub-app's setting was given (and true), not left at Typer's default."""
    return not isinstance(value, DefaultPlaceholder) and bool(value)


def _summary(cmd: Any) -> str | None:
    return None if cmd.hidden else _with_deprecation(flowed(cmd.short_help or cmd.help), cmd.deprecated)


def _with_deprecation(text: str, deprecated: bool | str) -> str:
    """As Click marks a deprecated command in a list."""
    if not deprecated:
        return text
    return f"{text} (DEPRECATED{': ' + deprecated if isinstance(deprecated, str) else ''})".strip()


def lazy_group(app: typer.Typer, name: str) -> TyperGroup:
    """The Click group of a sub-app, as Typer builds it (its class, help, callback and settings), with its commands
    built when asked for."""
    shell = copy.copy(app)
    shell.registered_commands = []
    group = get_group(shell)
    group.name = name
    entries: dict[str, Callable[[], Entry]] = {}
    for info in app.registered_commands:
        assert info.callback is not None, "a command needs a callback"
        entries[info.name or get_command_name(info.callback.__name__)] = lambda info=info: info  # type: ignore[misc]
    built = dict(group.commands)  # sub-apps of the sub-app, built by Typer
    group.commands = LazyCommands(entries, markup=app.rich_markup_mode, short=app.pretty_exceptions_short)
    for sub_name, sub in built.items():
        group.commands[sub_name] = sub
    return group


def _wrap_at_spaces_only() -> None:
    """Help text wraps at spaces, never after a hyphen: 'forceplan-registry.sqlite' or '[default: no-pdf]' stay
    whole (Click's wrapper, like Python's, breaks words at hyphens)."""
    try:
        from typer._click import _textwrap
    except ImportError:  # pragma: no cover - a Typer that does not vendor Click
        return

    class SpacesOnly(_textwrap.TextWrapper):
        def __init__(self, *args: Any, **kwargs: Any):
            kwargs.setdefault("break_on_hyphens", False)
            super().__init__(*args, **kwargs)

    _textwrap.TextWrapper = SpacesOnly  # type: ignore[misc]


_wrap_at_spaces_only()


class HelpGroup(TyperGroup):
    """A command group whose command list shows each command's first help paragraph as one flowing line, read
    without building the commands when they are lazy (LazyCommands)."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # names only: Typer's reads every command, which builds a lazy one

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if isinstance(self.commands, LazyCommands):
                text = self.commands.summary(name)
            else:
                cmd = self.get_command(ctx, name)
                text = None if cmd is None or cmd.hidden else flowed(cmd.short_help or cmd.help)
            if text is not None:
                rows.append((name, text))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
