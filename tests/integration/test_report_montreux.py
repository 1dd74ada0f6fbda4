"""The report says which warships the Montreux Convention keeps out of the Black Sea and what that leaves
uncovered (issue 23, item 8), in names, from the stationing result."""

from __future__ import annotations

import re

import pytest

from forceplan.plan import run_plan
from forceplan.report.html import render_report
from forceplan.scenario import Scenario

pytestmark = pytest.mark.integration


def test_the_report_names_the_warships_held_outside_the_straits(bundled: Scenario) -> None:
    p = run_plan(bundled, trials=50, assess_trials=20)
    held = p.stationing.montreux.held
    assert held
    html = render_report(bundled, p)
    # The troop-size card's "Where they are" adds up to the matched personnel: the held warships are said.
    placed = sum(g.personnel for g in p.stationing.garrisons)
    not_placed = p.forcegen.totals.personnel_matched - placed
    assert not_placed > 0 and f"{not_placed:,} matched but not placed" in html
    assert "$0k" not in html  # a year with nothing spent reads $0
    m = re.search(r'<p id="montreux">(.*?)</p>', html, re.S)
    assert m is not None
    text = " ".join(re.sub(r"<[^>]+>", "", m.group(1)).split())
    names = {c.id: c.name for c in bundled.capabilities}
    for h in held:
        assert f"{h.units} × {names[h.capability]} ({h.nation})" in text
    power = sum(h.combat_power for h in held)
    assert f"({power:.1f} combat power) cannot be stationed in the Black Sea" in text
    assert "no station outside the Straits" in text  # the bundled scenario has none
    if p.stationing.montreux.uncovered:
        assert all(s.name in text for s in p.stationing.montreux.uncovered)
    else:
        assert "leaves no protected site uncovered" in text
