"""What to ask for next: requests that would close the earliest or largest gaps over the horizon.

Each candidate is measured against the month-by-month gaps of the capabilities its unit may fill (its own and
those it ``fills``), one at a time, without re-solving the force: a request covers month m with
min(its units, the gap in m) units. Ranked by the first month covered, then by unit-months covered; one request
per kind and capability (the best nation to ask, the others named as alternatives).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from forceplan.forcegen.eligibility import slot_capabilities
from forceplan.scenario import Scenario
from forceplan.scenario.sustain import MONTH_DAYS
from forceplan.sustain.months import Month, PledgeClock
from forceplan.sustain.result import Request
from forceplan.sustain.rotation import month_mid_day, pool_units


def month_ranges(months: list[int]) -> str:
    """``[3, 4, 5, 9]`` as ``3-5, 9``."""
    runs: list[list[int]] = []
    for m in months:
        if runs and m == runs[-1][1] + 1:
            runs[-1][1] = m
        else:
            runs.append([m, m])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


@dataclass(frozen=True)
class Candidate:
    kind: str
    clock: PledgeClock
    units: int
    months: list[int]
    unit_months: int
    pool: int
    detail: str


def capability_gaps(months: list[Month]) -> dict[str, dict[int, int]]:
    """Capability id → month → units short."""
    gaps: dict[str, dict[int, int]] = defaultdict(dict)
    for mo in months:
        for s in mo.fg.slots:
            if s.shortfall_units > 0:
                gaps[s.capability][mo.month] = gaps[s.capability].get(mo.month, 0) + s.shortfall_units
    return gaps


def _cover(
    sc: Scenario, gaps: dict[str, dict[int, int]], capability: str, units: int, months: range
) -> tuple[list[int], int]:
    fills = slot_capabilities(sc, capability)
    covered, unit_months = [], 0
    for m in months:
        short = sum(gaps.get(c, {}).get(m, 0) for c in fills)
        if short > 0:
            covered.append(m)
            unit_months += min(units, short)
    return covered, unit_months


def rank_requests(
    sc: Scenario, months: list[Month], clocks: list[PledgeClock], horizon: int, top: int = 10
) -> list[Request]:
    """The ``top`` requests, best first (see the module docstring)."""
    gaps = capability_gaps(months)
    if not gaps:
        return []
    nation_name = {n.iso3: n.name for n in sc.nations}
    cands: list[Candidate] = []
    # 1. A matched pledge that lapses within the horizon: one more tour (or a longer window).
    for c in clocks:
        if c.start_day is None:
            continue
        end = c.end_day()
        first = next((m for m in range(1, horizon + 1) if month_mid_day(m) >= end), None)
        if first is None:
            continue
        span = range(first, min(horizon, first + math.ceil(c.policy.step_days / MONTH_DAYS) - 1) + 1)
        covered, um = _cover(sc, gaps, c.pledge.capability, c.pledge.quantity, span)
        if not covered:
            continue
        by_window = end >= c.until_day
        cands.append(
            Candidate(
                kind="extend the window" if by_window else "one more rotation",
                clock=c,
                units=c.pledge.quantity,
                months=covered,
                unit_months=um,
                pool=0,
                detail=f"{c.pledge.id}: one more {c.policy.tour_months:g}-month tour of {c.pledge.quantity} "
                f"unit(s) from month {first}",
            )
        )
    # 2. A second unit (or a substitute that fills the capability) from a nation already fielding one.
    seen: set[tuple[str, str]] = set()
    for c in clocks:
        if c.start_day is None or (c.pledge.nation, c.pledge.capability) in seen:
            continue
        seen.add((c.pledge.nation, c.pledge.capability))
        first = next(m for m in range(1, horizon + 1) if month_mid_day(m) >= c.start_day)
        end = c.end_day()  # a second unit on the same rotation lasts as long as the pledge it joins
        last = max((m for m in range(first, horizon + 1) if month_mid_day(m) < end), default=first - 1)
        covered, um = _cover(sc, gaps, c.pledge.capability, 1, range(first, last + 1))
        if not covered:
            continue
        own_gap = any(gaps.get(c.pledge.capability, {}).get(m, 0) for m in covered)
        cands.append(
            Candidate(
                kind="a second unit" if own_gap else "a substitute",
                clock=c,
                units=1,
                months=covered,
                unit_months=um,
                pool=pool_units(1, c.policy),
                detail=f"one more unit like {c.pledge.id}, on the same rotation",
            )
        )
    cands.sort(key=lambda d: (d.months[0], -d.unit_months, d.kind, d.clock.pledge.id))
    # One request per kind and capability (the best nation to ask); the others are named as alternatives.
    best: dict[tuple[str, str], Candidate] = {}
    others: dict[tuple[str, str], list[str]] = defaultdict(list)
    for d in cands:
        key = (d.kind, d.clock.pledge.capability)
        if key in best:
            name = nation_name.get(d.clock.pledge.nation, d.clock.pledge.nation)
            if name not in others[key] and d.clock.pledge.nation != best[key].clock.pledge.nation:
                others[key].append(name)
        else:
            best[key] = d
    out = []
    for i, d in enumerate(list(best.values())[:top], start=1):
        c = d.clock
        key = (d.kind, c.pledge.capability)
        cap = sc.capability(c.pledge.capability)
        out.append(
            Request(
                rank=i,
                kind=d.kind,
                nation=c.pledge.nation,
                nation_name=nation_name.get(c.pledge.nation, c.pledge.nation),
                capability=cap.id,
                capability_name=cap.name,
                pledge=c.pledge.id,
                units=d.units,
                months=d.months,
                unit_months=d.unit_months,
                pool_units=d.pool,
                detail=d.detail + (f"; also possible: {', '.join(others[key])}" if others[key] else ""),
            )
        )
    return out
