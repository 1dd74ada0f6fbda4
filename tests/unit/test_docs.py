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
