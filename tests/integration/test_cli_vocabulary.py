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


@pytest.mark.parametrize("group", [[], ["monitor"], ["scenario"]])
def test_command_lists_flow_each_summary_as_one_paragraph(group: list[str]) -> None:
    """A docstring's hard line breaks do not rag the command list: at 400 columns every summary is one line."""
    out = subprocess.run(
        [sys.executable, "-m", "forceplan", *group, "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "400"},
        check=True,
    ).stdout
    panel = out[out.index("Commands") :].splitlines()[1:-1]
    assert panel and all(line[2] != " " for line in panel if line.startswith("│")), out


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
