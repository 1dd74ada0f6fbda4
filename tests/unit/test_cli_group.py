"""Command groups that build a command only when asked for (forceplan.cli.group), and the coercion that needs
no pydantic for an unset option (forceplan.cli.common): small hand-made apps, checked by what they build."""

from __future__ import annotations

from typing import Annotated

import pytest
import typer
from typer.models import CommandInfo

from forceplan.cli.common import _DeferredCoercion
from forceplan.cli.group import HelpGroup, LazyCommands, flowed, lazy_group, sub_app

pytestmark = pytest.mark.unit


def alpha(count: Annotated[int, typer.Option(help="How many")] = 1) -> None:
    """First line of alpha,
    wrapped by hand.

    Second paragraph, not in the list."""
    print(f"alpha {count}")


def unbuildable(x: NoSuchType) -> None:  # type: ignore[name-defined]  # noqa: F821
    """Cannot be built: its annotation names nothing."""


def counting(entries: dict[str, CommandInfo], calls: list[str]) -> LazyCommands:
    def loader(name: str, info: CommandInfo):  # type: ignore[no-untyped-def]
        def load() -> CommandInfo:
            calls.append(name)
            return info

        return load

    return LazyCommands({name: loader(name, info) for name, info in entries.items()})


def test_names_come_in_order_without_loading_or_building() -> None:
    calls: list[str] = []
    m = counting(
        {
            "zulu": CommandInfo(name="zulu", callback=unbuildable),
            "alpha": CommandInfo(name="alpha", callback=alpha),
        },
        calls,
    )
    assert list(m) == ["zulu", "alpha"] and len(m) == 2 and "zulu" in m and "nope" not in m
    assert calls == []
    # the summary is read from the docstring: the unbuildable command is never built
    assert m.summary("zulu") == "Cannot be built: its annotation names nothing."
    assert m.summary("alpha") == "First line of alpha, wrapped by hand."
    assert calls == ["zulu", "alpha"]
    assert m.summary("zulu") == "Cannot be built: its annotation names nothing." and calls == ["zulu", "alpha"]
    cmd = m["alpha"]
    assert cmd.name == "alpha" and [p.name for p in cmd.params] == ["count"]
    assert m["alpha"] is cmd  # built once
    with pytest.raises(NameError):
        m["zulu"]
    with pytest.raises(KeyError):
        m["nope"]


def test_hidden_commands_are_left_out_of_the_list_and_added_ones_kept() -> None:
    m = LazyCommands(
        {
            "alpha": lambda: CommandInfo(name="alpha", callback=alpha),
            "ghost": lambda: CommandInfo(name="ghost", callback=alpha, hidden=True),
            "short": lambda: CommandInfo(name="short", callback=alpha, short_help="Given short help."),
            "old": lambda: CommandInfo(name="old", callback=alpha, deprecated=True),
        }
    )
    assert m.summary("ghost") is None and m.summary("short") == "Given short help."
    assert m.summary("old") == "First line of alpha, wrapped by hand. (DEPRECATED)"
    del m["old"]
    built = m["alpha"]
    m["copy"] = built
    assert list(m) == ["alpha", "ghost", "short", "copy"] and m["copy"] is built
    assert m.summary("copy") == "First line of alpha, wrapped by hand."
    del m["ghost"]
    assert list(m) == ["alpha", "short", "copy"]


def test_flowed_keeps_the_first_paragraph_whole() -> None:
    assert flowed("  One\n  two three.\n\n  Four.") == "One two three."
    assert flowed(None) == "" and flowed("") == ""


def test_a_lazy_group_runs_and_lists_like_the_app_it_comes_from(capsys: pytest.CaptureFixture[str]) -> None:
    from typer._click.exceptions import BadParameter

    app = sub_app("The group's help.")
    app.command("alpha")(alpha)
    app.command("zulu")(unbuildable)
    group = lazy_group(app, "grp")
    assert isinstance(group, HelpGroup) and group.name == "grp" and group.no_args_is_help
    assert isinstance(group.commands, LazyCommands) and list(group.commands) == ["alpha", "zulu"]

    def run(*args: str) -> str:
        assert group.main(list(args), prog_name="grp", standalone_mode=False) in (None, 0)
        return capsys.readouterr().out

    out = run("--help")
    assert "Usage: grp [OPTIONS] COMMAND [ARGS]..." in out and "The group's help." in out
    assert "alpha  First line of alpha, wrapped by hand." in out
    assert "zulu   Cannot be built: its annotation names nothing." in out
    assert "Second paragraph" not in out
    assert run("alpha", "--count", "3") == "alpha 3\n"
    with pytest.raises(BadParameter, match="valid integer"):
        run("alpha", "--count", "three")
    out = run("alpha", "--help")
    assert "--count INTEGER" in out and "Second paragraph" in out


class _Param:
    def __init__(self, multiple: bool = False, nargs: int = 1):
        self.multiple, self.nargs = multiple, nargs


def test_an_unset_value_needs_no_coercion_and_a_set_one_gets_typers() -> None:
    from typer._coercion import resolve_type_descriptor
    from typer.models import OptionInfo

    lone = _DeferredCoercion(resolve_type_descriptor(int, OptionInfo()))
    assert lone.coerce(None, _Param(), None) is None and lone.real is None
    assert lone.coerce(None, _Param(multiple=True), None) == () and lone.real is None
    assert lone.coerce(None, _Param(nargs=-1), None) == () and lone.real is None
    assert lone.coerce("7", _Param(), None) == 7 and lone.real is not None


def test_the_console_is_made_on_first_use_and_behaves_as_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rich.console import Console

    from forceplan.cli.common import _ConsoleOnFirstUse, made_console

    con = _ConsoleOnFirstUse(markup=False, emoji=False, highlight=False, width=50)
    assert object.__getattribute__(con, "_made") is None
    con.print("[lon, lat] :100:")  # type: ignore[attr-defined]
    assert capsys.readouterr().out == "[lon, lat] :100:\n"  # no markup, no emoji: printed as written
    real = made_console(con)  # type: ignore[arg-type]
    assert isinstance(real, Console) and made_console(real) is real
    with monkeypatch.context() as mp:
        mp.setattr(con, "width", 400)
        assert real.width == 400 and con.width == 400
    assert real.width == 50 and con.width == 50  # restored, not deleted


def test_plan_limits_glibcs_heaps_unless_the_environment_says(monkeypatch: pytest.MonkeyPatch) -> None:
    """On glibc the limit is set (mallopt answers 1); a MALLOC_ARENA_MAX of the user's is left to glibc."""
    import sys

    from forceplan.cli.common import limit_malloc_arenas

    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    import platform

    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        pytest.skip("glibc only")
    assert limit_malloc_arenas() is True
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False
