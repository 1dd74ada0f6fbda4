"""``forceplan sustain`` as a user runs it: tables in 80 columns, JSON against its schema, bad input, and the
worst handover month fed to the deterrence assessment."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from forceplan.cli import app
from forceplan.sustain import json_schema, sustain_force

pytestmark = pytest.mark.integration
runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def test_sustain_bundled_three_years(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    r = runner.invoke(app, ["sustain", "ukraine-2025", "--years", "3", "--json", str(out)], env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    for needle in ("Personnel by month", "Rotation pools: who runs out first", "Cost per year", "What to ask for"):
        assert needle in r.output
    assert max(len(line) for line in r.output.splitlines()) <= 80
    assert "…" not in r.output, "no cell is cut"
    from forceplan.scenario import load_scenario
    from tests.leaks import find_leaks

    assert find_leaks(r.output, load_scenario("ukraine-2025")) == []
    assert "Poland" in r.output and "POL-03" not in r.output.split("Rotation pools")[1].split("Cost per year")[0]
    data = json.loads(out.read_text())
    jsonschema.validate(data, json_schema())
    assert data["schema"] == "forceplan.sustain/1" and len(data["months"]) == 36
    # Figures of the bundled scenario (illustrative inputs), reported in the issue note.
    assert data["first_gap_month"] == 1 and data["first_lapse_gap_month"] == 14
    assert data["first_run_out"]["name"] == "Poland" and data["first_run_out"]["runs_out_month"] == 13
    assert data["distinct_solves"] == 11


def test_bad_years_exit_2() -> None:
    r = runner.invoke(app, ["sustain", "ukraine-2025", "--years", "0"])
    assert r.exit_code == 2
    assert "--years" in r.output


def test_schema_file_is_current() -> None:
    text = (ROOT / "docs" / "schemas" / "sustain.schema.json").read_text()
    assert json.loads(text) == json_schema(), "run: forceplan schema sustain > docs/schemas/sustain.schema.json"
    r = runner.invoke(app, ["schema", "sustain"])
    assert r.exit_code == 0 and json.loads(r.output) == json_schema()


def test_handover_at_full_readiness_changes_nothing_and_at_half_raises_the_attackers_chance(bundled) -> None:
    threats = ["T2-donetsk-dnipro"]
    full = bundled.model_copy(update={"sustain": bundled.sustain.model_copy(update={"handover_readiness": 1.0})})
    same = sustain_force(full, 2, assess_trials=1000, threats=threats).handover_assessment
    assert same is not None and [(t.p_normal == t.p_handover) for t in same.threats] == [True]
    half = sustain_force(bundled, 2, assess_trials=1000, threats=threats).handover_assessment
    assert half is not None and half.month == same.month and half.rotating_personnel > 0
    # Same seed, same force and laydown: only the rotating units' combat power is halved.
    assert half.threats[0].p_normal == same.threats[0].p_normal
    assert half.threats[0].p_handover > half.threats[0].p_normal


def test_the_dashboard_panel_and_the_report_section_show_names(bundled) -> None:
    """The web dashboard's panel (from a plan run's JSON) and the report's section name nations and capabilities,
    never their ids."""
    import re

    from jinja2 import Environment, FileSystemLoader, select_autoescape

    import forceplan.registry as registry_pkg
    from forceplan.report.sustain_html import sustain_context

    r = sustain_force(bundled, 2)
    folder = Path(registry_pkg.__file__).parent / "templates"
    env = Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape(["html"]))
    html = env.get_template("_sustain_panel.html").render(sustain=json.loads(r.to_json()), latest={"run": {"id": 7}})
    text = re.sub(r"<[^>]+>", " ", html)
    assert "Poland" in text and "plan run 7" in text and "What to ask for next" in text
    # Pledge ids (POL-03) are the registry's references and may show; a bare nation code or capability id may not.
    assert not re.search(r"(?<![\w-])(?:POL|ROU|armd_bn|mech_inf_bn|sof_tg|isr_aircraft)(?![\w-])", text)
    ctx = sustain_context(r)
    assert ctx["sustain_running_out"][0].name == "Poland"
    assert all(not re.search(r"_", q.capability_name) for q, _ in ctx["sustain_requests"])
