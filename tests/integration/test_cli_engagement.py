"""``forceplan engage``, ``calibrate`` and ``assess`` as a user runs them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from forceplan.cli import app
from forceplan.engagement.assess import json_schema

pytestmark = pytest.mark.integration
runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def test_engage_iwo_jima_csv(tmp_path: Path) -> None:
    out = tmp_path / "iwo.csv"
    r = runner.invoke(app, ["engage", str(ROOT / "examples" / "iwo-jima.yaml"), "--csv", str(out)])
    assert r.exit_code == 0, r.output
    with out.open() as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["t_days", "attacker", "defender"]
    assert len(rows) == 36 * 24 + 1 and float(rows[-1]["defender"]) < 1000


def test_engage_bad_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "law: square\ndays: 10\nattacker: {initial: 1, lethality_per_day: 0.1, reinforcement: []}\n"
        "defender: {initial: 1, lethality_per_day: 0.1}\n"
    )
    r = runner.invoke(app, ["engage", str(bad)])
    assert r.exit_code == 2 and "bad.yaml:3" in r.output and "reinforcements" in r.output


def test_calibrate_loglinear_and_nls(tmp_path: Path) -> None:
    data = tmp_path / "daily.csv"
    rows = ["day,force_a,force_b,loss_a,loss_b"]
    a, b = 50_000.0, 30_000.0
    for day in range(30):
        la, lb = 0.02 * b, 0.01 * a
        rows.append(f"{day},{a:.1f},{b:.1f},{la:.3f},{lb:.3f}")
        a, b = a - la + 500, b - lb + 200
    data.write_text("\n".join(rows) + "\n")
    out = tmp_path / "fit.json"
    r = runner.invoke(app, ["calibrate", str(data), "--method", "loglinear", "--json", str(out)])
    assert r.exit_code == 0, r.output
    fit = json.loads(out.read_text())
    assert fit["slope_p_minus_q"] == pytest.approx(1.0, abs=1e-4) and fit["k_b_over_k_a"] == pytest.approx(
        2.0, rel=1e-4
    )
    r = runner.invoke(app, ["calibrate", str(data), "--method", "nls", "--bootstrap", "20", "--json", str(out)])
    assert r.exit_code == 0 and json.loads(out.read_text())["k_b"] == pytest.approx(0.02, rel=1e-4)


def test_calibrate_bad_csv_names_the_cell(tmp_path: Path) -> None:
    data = tmp_path / "daily.csv"
    data.write_text("day,force_a,force_b,loss_a,loss_b\n0,100,100,1,1\n1,100,abc,1,1\n2,100,100,1,1\n")
    r = runner.invoke(app, ["calibrate", str(data)])
    assert r.exit_code == 2 and "daily.csv:3:3" in r.output


def test_calibrate_cdb90() -> None:
    r = runner.invoke(app, ["calibrate", "--cdb90"])
    assert r.exit_code == 0 and "521 battles" in r.output


def test_assess_bundled(tmp_path: Path) -> None:
    out = tmp_path / "assess.json"
    r = runner.invoke(
        app, ["assess", "--threat", "T4-kherson-crossing", "--trials", "300", "--seed", "2", "--json", str(out)]
    )
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text())
    jsonschema.validate(data, json_schema())
    (t,) = data["threats"]
    assert 0 <= t["p_reached"]["ci_low"] <= t["p_reached"]["p"] <= t["p_reached"]["ci_high"] <= 1
    cases = {s["case"] for s in t["sensitivity"]}
    assert {
        "without air power",
        "without stockpiles",
        "without reinforcements",
        "decision delay 6 h",
        "decision delay 72 h",
        "attacker strength 15",
        "attacker strength 35",
        "Ukrainian strength 8",
        "Ukrainian strength 16",
        "with US backstop",
    } <= cases
    assert sum(c.startswith("calibration slope") for c in cases) == 2
    assert t["p_reached"]["mc_error"] > 0 and data["input_draws"] == 20
    assert len(t["paths"]["defender_p50"]) == 31
    assert json.loads((ROOT / "docs" / "schemas" / "assess.schema.json").read_text()) == json_schema()


def test_calibrate_validate_exits_1_and_says_so_when_the_model_loses_to_a_constant(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The outcome model's held-out check is real: make the external battles score worse than the base rate and
    the command must say so in words and exit 1 (the engine's band check is stubbed out to keep this fast)."""
    import dataclasses

    from forceplan.engagement import holdout, validate

    real = holdout.validate_outcome(seed=0, reps=50)
    worse = dataclasses.replace(real.external.score, brier=real.external.score.brier_base + 0.01)
    failing = dataclasses.replace(real, external=dataclasses.replace(real.external, score=worse))
    monkeypatch.setattr(holdout, "validate_outcome", lambda seed=0, reps=1000: failing)
    monkeypatch.setattr(validate, "validate_engine", lambda *a, **k: validate.Validation(10, 0))
    out = tmp_path / "v.json"
    r = runner.invoke(app, ["calibrate", "--cdb90", "--validate", "--json", str(out)])
    assert r.exit_code == 1, r.output
    text = " ".join(r.output.split())
    assert "does NOT beat a constant" in text and "Validation FAILED" in text
    assert json.loads(out.read_text())["passed"] is False
    monkeypatch.setattr(holdout, "validate_outcome", lambda seed=0, reps=1000: real)
    r = runner.invoke(app, ["calibrate", "--cdb90", "--validate"])
    assert r.exit_code == 0 and "PASS: the pre-battle factors model scores better than a constant" in " ".join(
        r.output.split()
    )
