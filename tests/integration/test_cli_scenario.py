"""The scenario commands, run as a user would (Typer's runner and a real subprocess)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forceplan import __version__
from forceplan.cli import app
from tests.conftest import edit

pytestmark = pytest.mark.integration
runner = CliRunner()


def test_version() -> None:
    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0 and __version__ in r.output


def test_list_and_show() -> None:
    r = runner.invoke(app, ["scenario", "list"])
    assert r.exit_code == 0 and "ukraine-2025" in r.output
    r = runner.invoke(app, ["scenario", "show", "ukraine-2025"])
    assert r.exit_code == 0, r.output
    for needle in (
        "Pledges by status",
        "committed",
        "Line of contact",
        "T5-north",
        "Zaporizhzhia nuclear power plant",
        "border crossing 7",
        "Illustrative",
    ):
        assert needle in r.output
    assert "npp-zaporizhzhia" not in r.output and "border_crossing" not in r.output  # names, not ids


def test_validate_ok(scenario_copy: Path) -> None:
    r = runner.invoke(app, ["scenario", "validate", str(scenario_copy / "scenario.yaml")])
    assert r.exit_code == 0 and "valid" in r.output


def test_validate_bad_input_exits_2_without_traceback(scenario_copy: Path) -> None:
    edit(scenario_copy / "pledges.csv", "GBR-02,GBR,mech_inf_bn,3", "GBR-02,GBX,mech_inf_bnn,0")
    proc = subprocess.run(
        [sys.executable, "-m", "forceplan", "scenario", "validate", str(scenario_copy / "scenario.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "pledges.csv:3:2" in proc.stderr and "did you mean 'mech_inf_bn'" in proc.stderr


def test_unknown_scenario_name_exits_2() -> None:
    r = runner.invoke(app, ["scenario", "show", "no-such-scenario"])
    assert r.exit_code == 2 and "scenario list" in r.output


def test_export_refuses_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x")
    r = runner.invoke(app, ["scenario", "export", "ukraine-2025", str(tmp_path)])
    assert r.exit_code == 2 and (tmp_path / "keep.txt").exists() and not (tmp_path / "scenario.yaml").exists()


def test_export_then_validate(tmp_path: Path) -> None:
    r = runner.invoke(app, ["scenario", "export", "ukraine-2025", str(tmp_path / "copy")])
    assert r.exit_code == 0
    r = runner.invoke(app, ["scenario", "validate", str(tmp_path / "copy" / "scenario.yaml")])
    assert r.exit_code == 0
