"""``forceplan respond`` as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from forceplan.cli import app
from forceplan.timeline.result import json_schema

pytestmark = pytest.mark.integration
runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def test_respond_one_threat_json_and_csv(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    r = runner.invoke(
        app,
        [
            "respond",
            "--threat",
            "T4-kherson-crossing",
            "--trials",
            "400",
            "--seed",
            "5",
            "--json",
            str(out),
            "--csv",
            str(tmp_path / "csv"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "Response timelines" in r.output and "defender combat power" in r.output
    data = json.loads(out.read_text())
    jsonschema.validate(data, json_schema())
    assert data["seed"] == 5 and data["trials"] == 400
    (t,) = data["threats"]
    options = {c["option"]: c for c in t["options"]}
    assert {"in_theatre", "reinforcements", "air_power", "stockpile_release", "naval"} <= set(options)
    assert options["in_theatre"]["first_effect_h"]["p50"] < options["reinforcements"]["first_effect_h"]["p50"]
    assert len(t["buildup"]["p50"]) == 721 and t["buildup"]["p50"][0] == t["defender_combat_power_h0"]
    assert all(a <= b for a, b in zip(t["buildup"]["p50"], t["buildup"]["p50"][1:], strict=False))
    for name in ("options", "elements", "buildup"):
        assert (tmp_path / "csv" / f"{name}.csv").exists()


def test_respond_bad_threat_exits_2() -> None:
    r = runner.invoke(app, ["respond", "--threat", "T9-moon"])
    assert r.exit_code == 2 and "T1-zaporizhzhia" in r.output


def test_respond_schema_file_is_current() -> None:
    assert json.loads((ROOT / "docs" / "schemas" / "respond.schema.json").read_text()) == json_schema()
