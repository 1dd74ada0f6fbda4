"""``forceplan forcegen`` as a user runs it: output, files, what-if cases, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from forceplan.cli import app
from forceplan.forcegen.result import json_schema

pytestmark = pytest.mark.integration
runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def test_forcegen_bundled_with_cases_json_and_csv(tmp_path: Path) -> None:
    out = tmp_path / "fg.json"
    r = runner.invoke(
        app,
        [
            "forcegen",
            "ukraine-2025",
            "--case",
            "without FRA",
            "--case",
            "committed only",
            "--case",
            "us backstop",
            "--json",
            str(out),
            "--csv",
            str(tmp_path / "csv"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "GBR 4, FRA 2" in r.output  # "filled by": each nation once (was "GBR 3, FRA 2, GBR 1")
    for needle in ("Shortfalls and why", "Burden sharing", "What-if cases", "Pledge lifecycle"):
        assert needle in r.output
    data = json.loads(out.read_text())
    jsonschema.validate(data, json_schema())
    assert data["schema"] == "forceplan.forcegen/1"
    assert [c["label"] for c in data["cases"]] == ["baseline", "without FRA", "committed only", "us backstop"]
    assert data["totals"]["personnel_matched"] <= data["totals"]["personnel_cap"]
    cases = {c["label"]: c for c in data["cases"]}
    assert cases["committed only"]["personnel_matched"] < cases["baseline"]["personnel_matched"]
    assert cases["us backstop"]["units_matched"] > cases["baseline"]["units_matched"]
    for name in ("assignments", "slots", "shortfalls", "unused", "burden"):
        assert (tmp_path / "csv" / f"{name}.csv").read_text().count("\n") >= 2


def test_json_is_identical_on_rerun(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for f in (a, b):
        assert runner.invoke(app, ["forcegen", "--json", str(f)]).exit_code == 0
    assert a.read_bytes() == b.read_bytes()


def test_schema_file_is_current() -> None:
    text = (ROOT / "docs" / "schemas" / "forcegen.schema.json").read_text()
    assert json.loads(text) == json_schema(), "run: forceplan schema forcegen > docs/schemas/forcegen.schema.json"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--without", "FRA,XYZ"], "valid codes"),
        (["--case", "without XYZ"], "unknown nation XYZ"),
        (["--case", "fly to the moon"], "cannot read"),
        (["--status", "promised"], "not a pledge status"),
        (["--share", "1.5"], "between 0 and 1"),
    ],
)
def test_bad_options_exit_2(args: list[str], needle: str, tmp_path: Path) -> None:
    out = tmp_path / "never.json"
    r = runner.invoke(app, ["forcegen", *args, "--json", str(out)])
    assert r.exit_code == 2 and needle in r.output
    assert not out.exists(), "nothing is written on bad input"


@pytest.mark.parametrize("case", ["without FRA " * 3000, "without " + " ".join(f"X{i:02d}" for i in range(60))])
def test_a_long_case_is_refused_without_echoing_it(case: str, tmp_path: Path) -> None:
    """A case is a sentence: a huge one is an error (exit 2), and no message repeats the whole input."""
    out = tmp_path / "never.json"
    r = runner.invoke(app, ["forcegen", "--case", case, "--json", str(out)])
    assert r.exit_code == 2 and not out.exists()
    assert "at most 500 characters" in r.output or "unknown nation X00, X01" in r.output
    assert len(r.output) < 1500, len(r.output)


def test_cbc_and_highs_give_the_same_optimum(tmp_path: Path) -> None:
    pytest.importorskip("pulp", reason="PuLP is not installed: the CBC solver is optional")
    a, b = tmp_path / "highs.json", tmp_path / "cbc.json"
    assert runner.invoke(app, ["forcegen", "--json", str(a)]).exit_code == 0
    r = runner.invoke(app, ["forcegen", "--solver", "cbc", "--json", str(b)])
    assert r.exit_code == 0, r.output
    ha, cb = json.loads(a.read_text()), json.loads(b.read_text())
    t = ha["totals"]
    expected = [ha["solve"][0]["objective"], t["personnel_matched"], t["nations_contributing"]]
    assert [s["objective"] for s in cb["solve"]] == pytest.approx(expected)
    assert cb["optimal"] and cb["totals"]["units_matched"] == ha["totals"]["units_matched"]
