"""Documentation that is generated from code stays in step with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from forceplan.scenario.reference import render_reference

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]


def test_scenario_reference_is_current() -> None:
    current = (ROOT / "docs" / "scenario.md").read_text(encoding="utf-8")
    assert current == render_reference(), "run: forceplan scenario reference > docs/scenario.md"


def test_reference_names_every_section_and_parameter() -> None:
    text = render_reference()
    for needle in ("## Pledge", "## Caveats", "`no_frontline`", "`coalition_decision_delay_h`", "[lon, lat]"):
        assert needle in text


def test_prerendered_symbol_list_is_current() -> None:
    """frontend/sidcs.json lists every APP-6 symbol the report can show (rendered by milsymbol at build time)."""
    import json

    from forceplan.report.map import SIDC_BY_CAPABILITY, SIDC_BY_DOMAIN

    want = sorted(set(SIDC_BY_CAPABILITY.values()) | set(SIDC_BY_DOMAIN.values()))
    got = json.loads((ROOT / "frontend" / "sidcs.json").read_text())
    assert got == want, "regenerate frontend/sidcs.json from forceplan.report.map"


def test_every_shipped_data_file_has_its_source() -> None:
    """docs/data-sources.md names every file under src/forceplan/data (occupied-territory snapshots by pattern),
    in one table (a blank line would end the table and print the rest as plain text)."""
    text = (ROOT / "docs" / "data-sources.md").read_text(encoding="utf-8")
    data = ROOT / "src" / "forceplan" / "data"
    shipped = {
        p.relative_to(data).as_posix()
        for p in data.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.name != "__init__.py"
    }
    named = set()
    for rel in shipped:
        pattern = rel.replace(rel.rsplit("_", 1)[-1].split(".")[0], "YYYYMMDD") if "occupied_territory" in rel else rel
        if f"`{pattern}`" in text:
            named.add(rel)
    assert shipped - named == set(), "add to docs/data-sources.md with source and licence"
    table = text.split("| file |", 1)[1].split("\n\n", 1)[0]
    assert all(f"`{p}`" in table for p in {"combat/cdb90_flat_attacker_defender.csv", "geo/ukraine_seaports_wpi.csv"})
