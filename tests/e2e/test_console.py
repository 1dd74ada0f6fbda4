"""The console at 80 columns (issue #26): the main commands' output fits, never cuts a verdict or a number with
'…', and reads names, never ids; help names value types in words (TEXT, INTEGER; a flag takes none); a misspelt
scenario gets 'did you mean'. Each command runs as a real process with COLUMNS=80, as a user's terminal would give
it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

from forceplan.scenario import Scenario
from tests.leaks import find_leaks

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def forceplan(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "80", "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "forceplan", *args], capture_output=True, text=True, env=env, timeout=600, cwd=ROOT
    )


def check_fits(text: str, what: str) -> None:
    wide = [ln for ln in text.splitlines() if cell_len(ln) > 80]
    assert not wide, f"{what}: {len(wide)} lines over 80 columns, e.g. {wide[0]!r}"
    assert "…" not in text, f"{what}: a cell is cut: {[ln for ln in text.splitlines() if '…' in ln][:3]}"


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("console") / "plan"
    r = forceplan("plan", "--no-pdf", "--response-trials", "50", "--trials", "200", "--out", str(out))
    assert r.returncode == 0, r.stderr[-3000:]
    return out, r.stdout


COMMANDS = [
    ("forcegen",),
    ("station",),
    ("respond", "--trials", "50"),
    ("assess", "--trials", "200"),
    ("phases",),
    ("scenario", "list"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_main_commands_fit_80_columns_and_read_names(args: tuple[str, ...], bundled: Scenario) -> None:
    r = forceplan(*args)
    assert r.returncode == 0, r.stderr[-3000:]
    check_fits(r.stdout, " ".join(args))
    leaks = find_leaks(r.stdout, bundled)
    assert not leaks, f"{' '.join(args)} shows ids: {leaks}"


def test_plan_and_compare_fit_and_read_names(planned: tuple[Path, str], tmp_path: Path, bundled: Scenario) -> None:
    out, stdout = planned
    check_fits(stdout, "plan")
    assert not find_leaks(stdout.replace(str(out), ""), bundled)
    r = forceplan("compare", str(out), str(out), "--no-pdf", "--out", str(tmp_path / "cmp"))
    assert r.returncode == 0, r.stderr[-3000:]
    check_fits(r.stdout, "compare")
    assert not find_leaks(r.stdout.replace(str(tmp_path), ""), bundled)
    html = (tmp_path / "cmp" / "compare.html").read_text(encoding="utf-8")
    assert not find_leaks(html.replace("&#39;", "'"), bundled)


def test_help_shows_typed_values() -> None:
    for cmd in ("plan", "explore", "assess"):
        r = forceplan(cmd, "--help")
        assert r.returncode == 0
        check_fits(r.stdout, f"{cmd} --help")
        for python_type in ("<bool>", "<list[", "<int", "<str>", "<float", "<path>"):
            assert python_type not in r.stdout, (cmd, python_type)
        assert "INTEGER" in r.stdout and "TEXT" in r.stdout
        # A flag takes no value: its help follows its name (or its --x / --no-x pair) with no type word.
        assert re.search(r"^  --[a-z-]+(?: / --no-[a-z-]+)?  +[A-Z][a-z]", r.stdout, re.M), cmd
        assert "FLAG" not in r.stdout


def test_a_misspelt_scenario_gets_did_you_mean() -> None:
    r = forceplan("forcegen", "ukrain")
    assert r.returncode == 2
    assert "did you mean 'ukraine-2025'?" in r.stderr and "Traceback" not in r.stderr
