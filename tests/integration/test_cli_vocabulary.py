"""The command line answers at once and speaks one vocabulary (issue: a command line that behaves the same
everywhere): no heavy import before a command runs, --help for every command, shared options with one meaning
and one default, names accepted where ids are."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer.main import get_command

from forceplan.cli import app
from forceplan.cli.app import run

pytestmark = pytest.mark.integration


def _commands() -> dict[str, object]:
    root = get_command(app)
    out = {}
    for name, cmd in root.commands.items():  # type: ignore[attr-defined]
        sub = getattr(cmd, "commands", None)
        if sub:
            for n2, c2 in sub.items():
                out[f"{name} {n2}"] = c2
        else:
            out[name] = cmd
    return out


def test_importing_the_cli_loads_no_analysis_library() -> None:
    code = (
        "import sys, forceplan.cli\n"
        "heavy = [m for m in ('numba', 'scipy', 'highspy', 'shapely', 'pyproj', 'pydantic', 'forceplan.scenario',"
        " 'forceplan.engagement', 'forceplan.forcegen') if m in sys.modules]\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


@pytest.mark.parametrize("name", sorted(_commands()))
def test_help_of_every_command(name: str, capsys) -> None:
    assert run([*name.split(), "--help"]) == 0
    assert "Usage" in capsys.readouterr().out


def test_root_help_offers_completion(capsys) -> None:
    assert run(["--help"]) == 0
    out = capsys.readouterr().out
    assert "--install-completion" in out and "warmup" in out


def _help(args: list[str], columns: int) -> str:
    return subprocess.run(
        [sys.executable, "-m", "forceplan", *args, "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": str(columns)},
        check=True,
    ).stdout


def _command_rows(out: str) -> list[list[str]]:
    """The 'Commands:' section as rows of lines: a row starts with two spaces and a name, its help wraps under."""
    rows: list[list[str]] = []
    for line in out[out.index("\nCommands:\n") + 11 :].splitlines():
        if not line.strip():
            break
        if line.startswith("  ") and not line.startswith("   "):
            rows.append([line])
        else:
            rows[-1].append(line)
    return rows


@pytest.mark.parametrize("group", [[], ["monitor"], ["scenario"], ["users"]])
def test_command_lists_give_each_summary_whole(group: list[str]) -> None:
    """Each command is listed with the whole first paragraph of its help, flowed (a docstring's hard line breaks do
    not rag the list, and nothing is cut with '...'), wrapped under itself within the terminal's width."""
    cmds = get_command(app)
    for name in group:
        cmds = cmds.commands[name]  # type: ignore[attr-defined]
    expected = {
        name: " ".join((cmd.help or "").split("\n\n")[0].split())
        for name, cmd in cmds.commands.items()  # type: ignore[attr-defined]
    }
    for columns in (80, 60):
        rows = _command_rows(_help(group, columns))
        listed = {r[0].split()[0]: " ".join(" ".join(r).split()[1:]) for r in rows}
        assert listed == expected
        assert all(len(line) <= columns for r in rows for line in r)


@pytest.mark.parametrize("command", [["serve"], ["users", "add"]])
def test_help_wraps_at_spaces_never_after_a_hyphen(command: list[str]) -> None:
    out = _help(command, 80)
    assert "forceplan-registry.sqlite" in out
    assert not [line for line in out.splitlines() if line.rstrip()[-2:-1].isalpha() and line.rstrip().endswith("-")]


def test_help_builds_only_the_command_asked_for() -> None:
    """`forceplan plan --help` imports the plan command's module and no other command's, builds the plan command
    alone, and loads neither pydantic (Typer's value coercion, which no value needs here) nor Typer's Rich help
    renderer; the root --help reads every command's summary without building a command."""
    code = (
        "import sys\n"
        "import forceplan.cli.group as g\n"
        "built = []\n"
        "build = g.get_command_from_info\n"
        "g.get_command_from_info = lambda info, **kw: built.append(info.name) or build(info, **kw)\n"
        "from forceplan.cli.app import run\n"
        "assert run(sys.argv[1:]) == 0\n"
        "mods = sorted(m for m in sys.modules if m.startswith(('pydantic', 'typer.rich_utils', 'rich.',"
        " 'forceplan.cli.')) and not m.endswith(('.app', '.common', '.group', '.options')))\n"
        "print(' '.join(built), '|', ' '.join(mods), file=sys.stderr)\n"
    )

    def loaded(*args: str) -> tuple[str, str]:
        r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
        built, mods = r.stderr.strip().split("|")
        return built.strip(), mods.strip()

    assert loaded("plan", "--help") == ("plan", "forceplan.cli.plan_cmd")
    assert loaded("monitor", "verify", "--help") == ("verify", "forceplan.cli.audit_cmd forceplan.cli.monitor_cmd")
    built, mods = loaded("--help")
    assert built == "" and "pydantic" not in mods and "rich" not in mods
    built, mods = loaded("monitor", "--help")
    assert built == "" and "pydantic" not in mods and "rich" not in mods


SHARED = {
    "--without": ["forcegen", "station", "respond", "assess", "plan", "phases"],
    "--us-backstop": ["forcegen", "station", "respond", "assess", "plan", "phases"],
    "--case": ["forcegen", "station", "respond", "assess", "plan"],
    "--threat": ["respond", "assess", "plan"],
    "--seed": ["respond", "assess", "plan"],
    "--trials": ["respond", "assess", "plan"],
}


@pytest.mark.parametrize(("option", "commands"), sorted(SHARED.items()))
def test_shared_options_have_one_meaning_and_one_default(option: str, commands: list[str]) -> None:
    cmds = _commands()
    seen = {}
    for c in commands:
        params = {opt: p for p in cmds[c].params for opt in getattr(p, "opts", [])}  # type: ignore[attr-defined]
        assert option in params, f"{c} lacks {option}"
        p = params[option]
        seen[c] = (p.default, p.help if option != "--trials" else None)
    if option == "--trials":
        from forceplan.defaults import ASSESS_TRIALS, RESPONSE_TRIALS

        assert seen["assess"][0] == seen["plan"][0] == ASSESS_TRIALS
        assert seen["respond"][0] == RESPONSE_TRIALS
    else:
        assert len(set(seen.values())) == 1, seen


def test_defaults_agree_with_the_core() -> None:
    import inspect

    from forceplan.defaults import ASSESS_TRIALS, CASE_FORMS, PLEDGE_STATUSES, RESPONSE_TRIALS
    from forceplan.engagement.assess import DEFAULT_TRIALS, assess
    from forceplan.forcegen.cases import CASE_FORMS as CORE_FORMS
    from forceplan.plan import run_plan
    from forceplan.scenario.model import PledgeStatus
    from forceplan.timeline.run import respond

    assert tuple(s.value for s in PledgeStatus if s is not PledgeStatus.withdrawn) == PLEDGE_STATUSES
    assert CORE_FORMS is CASE_FORMS and DEFAULT_TRIALS == ASSESS_TRIALS
    assert inspect.signature(assess).parameters["trials"].default == ASSESS_TRIALS
    assert inspect.signature(respond).parameters["trials"].default == RESPONSE_TRIALS
    sig = inspect.signature(run_plan).parameters
    assert sig["trials"].default == RESPONSE_TRIALS and sig["assess_trials"].default == ASSESS_TRIALS


def test_names_and_prefixes_are_accepted_where_ids_are(capsys) -> None:
    code = run(["assess", "--threat", "kharkiv axis", "--trials", "100", "--no-sensitivity"])
    out = capsys.readouterr().out
    # The console names threats ("Kharkiv axis"); ids are for typing (forceplan scenario ids).
    assert code == 0 and "Kharkiv axis" in out and "Zaporizhzhia axis" not in out
    code = run(["forcegen", "--without", "france", "--without", "Germ"])
    assert code == 0
    assert run(["assess", "--threat", "T", "--trials", "100"]) == 2
    assert "ambiguous" in capsys.readouterr().err
    assert run(["forcegen", "--without", "Atlantis"]) == 2
    assert "scenario ids" in capsys.readouterr().err


def test_scenario_ids_lists_ids_with_names(capsys) -> None:
    assert run(["scenario", "ids", "ukraine-2025", "--kind", "site"]) == 0
    out = capsys.readouterr().out
    assert "city-poltava" in out and "Poltava" in out and "T1-zaporizhzhia" not in out
    assert run(["scenario", "ids", "ukraine-2025", "--kind", "threat"]) == 0
    assert "T5-north" in capsys.readouterr().out


def test_a_case_equal_to_the_baseline_is_not_repeated(bundled) -> None:
    from forceplan.forcegen import Options, run_cases

    _, summaries = run_cases(bundled, Options(), ["baseline", "without FRA", "without fra"])
    assert [s.label for s in summaries] == ["baseline", "without FRA"]


def test_case_on_assess_and_station(capsys) -> None:
    assert run(["station", "--case", "without FRA"]) == 0
    assert "What-if cases" in capsys.readouterr().out
    assert run(["assess", "--threat", "T4", "--trials", "100", "--no-sensitivity", "--case", "us backstop"]) == 0
    out = capsys.readouterr().out
    assert "What-if cases" in out and "us backstop" in out
