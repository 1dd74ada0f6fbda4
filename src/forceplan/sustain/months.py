"""Force generation month by month: which pledges and slots are in play each month, one MILP per distinct
month (months with the same pledges and slots share one solve), and each pledge's rotation clock."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from forceplan.forcegen import ForcegenResult, Options, match_force, phase_windows, pledge_pool
from forceplan.forcegen.eligibility import slot_window
from forceplan.scenario import Scenario
from forceplan.scenario.model import Pledge, Slot
from forceplan.scenario.sustain import MONTH_DAYS
from forceplan.sustain.rotation import (
    Policy,
    month_mid_day,
    month_start_day,
    resolve_policy,
    rotation_end_day,
    tour_starts,
)

Solver = Callable[[Scenario, Options], ForcegenResult]


@dataclass
class PledgeClock:
    """A pledge's rotation state: its policy, window, and the day its first tour began (once matched)."""

    pledge: Pledge
    policy: Policy
    from_day: float
    until_day: float
    start_day: float | None = None

    def end_day(self) -> float:
        """Last day in theatre: its window's end or its last tour's end, whichever is first."""
        if self.start_day is None:
            return self.until_day
        return min(self.until_day, rotation_end_day(self.policy, self.start_day))

    def active(self, day: float) -> bool:
        return self.from_day <= day <= self.until_day and (self.start_day is None or day < self.end_day())


@dataclass
class Month:
    """One month of the run: what was in play and the force-generation result (shared between equal months)."""

    month: int
    pledges: tuple[str, ...]
    slots: tuple[str, ...]
    fg: ForcegenResult
    solved: bool = False
    handovers: dict[str, int] = field(default_factory=dict)
    """Pledge id → units rotating this month (a new tour of a matched pledge starts in it)."""


def pledge_clocks(sc: Scenario, opts: Options) -> list[PledgeClock]:
    """The counted pledges (scenario and, if assumed, backstop) with their windows and policies."""
    windows = phase_windows(sc)
    out = []
    for p in pledge_pool(sc, opts).pledges:
        if p.status not in opts.counted() or p.nation in opts.without:
            continue
        start = p.available_from_day
        if p.caveats.from_phase is not None and p.caveats.from_phase in windows:
            start = max(start, windows[p.caveats.from_phase][0])
        until = p.available_until_day if p.available_until_day is not None else math.inf
        out.append(PledgeClock(p, resolve_policy(sc, p), start, until))
    return out


def active_slots(sc: Scenario, day: float) -> list[Slot]:
    """Slots required on ``day``: from their phase's start for their duration, or for good when the requirement
    is renewed (``sustain.requirement_renewed``)."""
    windows = phase_windows(sc)
    out = []
    for s in sc.requirement.slots:
        first, last = slot_window(sc, s, windows)
        if sc.sustain.requirement_renewed:
            last = math.inf
        if first <= day < last:
            out.append(s)
    return out


def month_scenario(sc: Scenario, pledges: list[Pledge], slots: list[Slot]) -> Scenario:
    """The scenario of one month: its pledges, their windows and phase and duration caveats already applied
    by the run (so they are lifted here), and its slots."""
    backstop_ids = {a.id for a in sc.backstop.assets}

    def lift(p: Pledge) -> Pledge:
        cav = p.caveats.model_copy(update={"from_phase": None, "max_duration_days": None})
        return p.model_copy(update={"available_from_day": 0.0, "available_until_day": None, "caveats": cav})

    own = tuple(lift(p) for p in pledges if p.id not in backstop_ids)
    assets = tuple(lift(p) for p in pledges if p.id in backstop_ids)
    return sc.model_copy(
        update={
            "pledges": own,
            "backstop": sc.backstop.model_copy(update={"assets": assets}),
            "requirement": sc.requirement.model_copy(update={"slots": tuple(slots)}),
        }
    )


def cold_solver(sc: Scenario, opts: Options) -> ForcegenResult:
    return match_force(sc, opts)


def run_months(
    sc: Scenario,
    opts: Options,
    months: int,
    cache: bool = True,
    solver: Solver = cold_solver,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Month], list[PledgeClock]]:
    """Force generation for months 1..``months``, in order (a pledge's rotation clock starts the first month it is
    matched). ``cache=False`` solves every month afresh (the benchmark's peer)."""
    clocks = pledge_clocks(sc, opts)
    solved: dict[tuple[tuple[str, ...], tuple[str, ...]], ForcegenResult] = {}
    out: list[Month] = []
    for m in range(1, months + 1):
        mid = month_mid_day(m)
        live = [c for c in clocks if c.active(mid)]
        slots = active_slots(sc, mid)
        key = (tuple(sorted(c.pledge.id for c in live)), tuple(s.id for s in slots))
        fresh = not cache or key not in solved
        if fresh:
            solved[key] = solver(month_scenario(sc, [c.pledge for c in live], slots), opts)
        fg = solved[key]
        month = Month(m, key[0], key[1], fg, fresh)
        used: dict[str, int] = {}
        for a in fg.assignments:
            used[a.pledge] = used.get(a.pledge, 0) + a.units
        lo, hi = month_start_day(m), month_start_day(m) + MONTH_DAYS
        for c in live:
            if c.pledge.id not in used:
                continue
            if c.start_day is None:
                c.start_day = max(lo, c.from_day)
                continue
            if any(lo <= s < hi for s in tour_starts(c.policy, c.start_day, min(c.end_day(), hi))[1:]):
                month.handovers[c.pledge.id] = used[c.pledge.id]
        out.append(month)
        if progress:
            progress(m, months)
    return out, clocks
