"""Defaults and constants that docs/model.md quotes are the code's: each phrase is built from the constant, so a
changed constant or a stale sentence fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]


def _n(x: float) -> str:
    """A number as the docs write it: thousands with commas, no trailing .0."""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:g}"


def quoted() -> list[str]:
    import inspect

    from forceplan.defaults import ASSESS_TRIALS, INNER_TRIALS, MIN_INPUT_DRAWS, RESPONSE_TRIALS
    from forceplan.engagement.air import CREW_RATIO, FORTIFIED_AFTER_H, PREPARED_AFTER_H
    from forceplan.engagement.engine import MAX_BATTLES
    from forceplan.explore.analysis import NARROWS_BELOW
    from forceplan.explore.experiments import ASK_FUTURES
    from forceplan.explore.model import ASK_NOTICE_DAYS
    from forceplan.forcegen.run import READINESS_DAYS
    from forceplan.plan import SUSTAIN_ASSESS_TRIALS, SUSTAIN_YEARS
    from forceplan.scenario.model import DETERRENCE_THRESHOLD, Geography
    from forceplan.stationing.result import REACH_HOURS
    from forceplan.stationing.run import station_force
    from forceplan.timeline.allocate import HORIZON_H

    gap = inspect.signature(station_force).parameters
    rel_gap = next(p.default for name, p in gap.items() if "gap" in name)
    *first, last = REACH_HOURS
    no_frontline_km = Geography.model_fields["no_frontline_standoff_km"].default
    return [
        f"d ∈ {{{', '.join(str(d) for d in READINESS_DAYS)}}}",
        f"within {', '.join(str(h) for h in first)} and {last} h",
        f"default {_n(100 * rel_gap)} %",
        f"`geography.no_frontline_standoff_km` (default {_n(no_frontline_km)} km",
        f"N trials (default {_n(RESPONSE_TRIALS)}, as `plan`)",
        f"response timelines (default {_n(RESPONSE_TRIALS)} trials, as `respond`)",
        f"deterrence assessment (default {_n(ASSESS_TRIALS)} trials, as `assess`",
        f"Default: {ASSESS_TRIALS // INNER_TRIALS} outer\ndraws × {INNER_TRIALS} trials = {_n(ASSESS_TRIALS)} "
        f"(at least {MIN_INPUT_DRAWS} draws",
        f"{MAX_BATTLES} battle clocks and {MAX_BATTLES} outcome numbers",
        f"c_i  = {CREW_RATIO} × sorties_per_crew_day_i",
        f"position ≥ {_n(FORTIFIED_AFTER_H)} h fortified, ≥ {_n(PREPARED_AFTER_H)} h prepared",
        f"max(0.01, 1 − t_ea ÷ {_n(HORIZON_H)} h)",
        f"`deterrence_threshold` in the scenario, default {DETERRENCE_THRESHOLD}",
        "(`--threshold`, default the\n  scenario's `deterrence_threshold`",
        f"more than {_n(100 * NARROWS_BELOW)} % of the range narrows nothing",
        f"≤ {_n(ASK_NOTICE_DAYS)} days' notice",
        f"the design's first {ASK_FUTURES} futures",
        f"adds the same for {SUSTAIN_YEARS} years",
        f"`plan` uses {_n(SUSTAIN_ASSESS_TRIALS)} trials for this",
    ]


def test_model_md_quotes_the_codes_defaults() -> None:
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    missing = [q for q in quoted() if q not in text]
    assert not missing, "docs/model.md no longer says (or the code changed):\n" + "\n".join(missing)


def test_explore_dimension_formula() -> None:
    """§10: D = 3 × threats + (the uncertainties that are not per threat)."""
    from forceplan.explore.space import uncertainties
    from forceplan.scenario import load_scenario

    sc = load_scenario("ukraine-2025")
    us = uncertainties(sc)
    per_threat = sum(1 for u in us if "." in u.name)
    assert per_threat == 3 * len(sc.threats)
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    assert f"(D = 3 × threats + {len(us) - per_threat})" in text
