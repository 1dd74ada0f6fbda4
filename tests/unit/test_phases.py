"""Phase gates against an incident log, and phase completion days."""

from __future__ import annotations

import datetime as dt

import pytest

from forceplan.plan import evaluate_gate
from forceplan.scenario import Scenario

pytestmark = pytest.mark.unit
T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def rec(hours: float, severity: int = 5, sector: str = "south") -> dict:
    return {"time": (T0 + dt.timedelta(hours=hours)).isoformat(), "sector": sector, "severity": severity}


def test_gate_not_evaluated_without_a_log(bundled: Scenario) -> None:
    g = evaluate_gate(bundled, None, 1, 14)
    assert not g.evaluated and g.met is None


def test_gate_met_after_fourteen_quiet_days(bundled: Scenario) -> None:
    # Three assaults in an hour (level 4) on day 0, then a minor incident on day 20 to extend the observation.
    records = [rec(0), rec(0.2), rec(0.4), rec(20 * 24, severity=0)]
    g = evaluate_gate(bundled, records, 1, 14)
    assert g.evaluated and g.met is True
    # Level 4 holds from the third assault (00:24) until the first leaves its 1-hour window (01:00); level 1 (allowed
    # by the gate) lasts a day longer. Quiet above level 1 from 1 March 01:00: met 14 days later, on 15 March.
    assert g.met_on == "2026-03-15"


def test_gate_not_met_when_the_quiet_spell_is_too_short(bundled: Scenario) -> None:
    records = [rec(0), rec(0.2), rec(0.4), rec(10 * 24, severity=0)]
    g = evaluate_gate(bundled, records, 1, 14)
    assert g.evaluated and g.met is False and "of 14 days observed" in g.detail
