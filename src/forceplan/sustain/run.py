"""``sustain_force``: the force kept up month by month over years — gaps, pools, costs, requests, and the
deterrence assessment in the worst handover month."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Sequence

from forceplan.forcegen import Options
from forceplan.scenario import Scenario, scenario_digest
from forceplan.scenario.model import Capability
from forceplan.stationing import StationingResult, station_force
from forceplan.sustain.cost import cost_by_year, cost_force, cost_rate
from forceplan.sustain.months import Month, PledgeClock, month_scenario, run_months
from forceplan.sustain.requests import rank_requests
from forceplan.sustain.result import (
    CapabilityGap,
    HandoverAssessment,
    MonthResult,
    NationPool,
    PledgeRotation,
    SustainResult,
    ThreatAtHandover,
)
from forceplan.sustain.rotation import month_mid_day, pool_units

MAX_YEARS = 20


def _month_result(sc: Scenario, mo: Month, pers: dict[str, int], overlap: dict[str, bool]) -> MonthResult:
    caps = {c.id: c for c in sc.capabilities}
    t = mo.fg.totals
    gaps: dict[str, int] = defaultdict(int)
    for s in mo.fg.slots:
        gaps[s.capability] += s.shortfall_units
    rotating = sum(u * pers[p] for p, u in mo.handovers.items())
    return MonthResult(
        month=mo.month,
        year=(mo.month - 1) // 12 + 1,
        personnel_required=t.personnel_required,
        personnel_deployed=t.personnel_matched,
        units_required=t.units_required,
        units_matched=t.units_matched,
        shortfall_units=t.shortfall_units,
        shortfall_personnel=sum(u * caps[c].personnel_per_unit for c, u in gaps.items()),
        gaps=[CapabilityGap(capability=c, name=caps[c].name, units=u) for c, u in sorted(gaps.items()) if u > 0],
        handover=bool(mo.handovers),
        rotating_personnel=rotating,
        overlap_personnel=sum(u * pers[p] for p, u in mo.handovers.items() if overlap[p]),
        solved=mo.solved,
    )


def _pledge_rows(sc: Scenario, clocks: list[PledgeClock], horizon: int) -> list[PledgeRotation]:
    names = {n.iso3: n.name for n in sc.nations}
    out = []
    ren = sc.sustain.renewal
    for c in clocks:
        p, pol = c.pledge, c.policy
        first = last = None
        why = None
        renewals: list[int] = []
        if c.start_day is not None:
            first = next(m for m in range(1, horizon + 1) if month_mid_day(m) >= c.start_day)
            end = c.end_day()
            inside = [m for m in range(first, horizon + 1) if month_mid_day(m) < end]
            last = inside[-1] if inside else first
            if math.isfinite(end) and month_mid_day(horizon) >= end:
                why = "window ends" if end >= c.until_day else "rotations run out"
            k = ren.first_months
            while first + k <= last:
                renewals.append(int(first + k))
                k += ren.every_months
        out.append(
            PledgeRotation(
                pledge=p.id,
                nation=p.nation,
                nation_name=names.get(p.nation, p.nation),
                capability=p.capability,
                capability_name=sc.capability(p.capability).name,
                force=pol.force.value,
                units=p.quantity,
                tour_months=round(pol.tour_months, 3),
                dwell_ratio=pol.dwell_ratio,
                overlap_days=pol.overlap_days,
                rotations=pol.rotations,
                pool_units=pool_units(p.quantity, pol),
                pool_personnel=pool_units(p.quantity, pol) * p.personnel_per_unit,
                first_month=first,
                last_month=last,
                ends_because=why,
                renewal_months=renewals,
            )
        )
    return out


def _nation_rows(sc: Scenario, rows: list[PledgeRotation], months: list[Month]) -> list[NationPool]:
    names = {n.iso3: n.name for n in sc.nations}
    peak: dict[str, int] = defaultdict(int)
    for mo in months:
        per: dict[str, int] = defaultdict(int)
        for a in mo.fg.assignments:
            per[a.nation] += a.personnel
        for n, v in per.items():
            peak[n] = max(peak[n], v)
    by_nation: dict[str, list[PledgeRotation]] = defaultdict(list)
    for r in rows:
        if r.first_month is not None:
            by_nation[r.nation].append(r)
    out = []
    for iso, rs in by_nation.items():
        ending = [r for r in rs if r.ends_because is not None and r.last_month is not None]
        first_out = min((r.last_month + 1 for r in ending if r.last_month is not None), default=None)
        running = [r for r in ending if r.last_month is not None and r.last_month + 1 == first_out]
        out.append(
            NationPool(
                nation=iso,
                name=names.get(iso, iso),
                pool_units=sum(r.pool_units for r in rs),
                pool_personnel=sum(r.pool_personnel for r in rs),
                deployed_personnel_peak=peak[iso],
                runs_out_month=first_out,
                pledges_running_out=[f"{r.capability_name} ({r.pledge})" for r in running],
                reason="; ".join(sorted({r.ends_because for r in running if r.ends_because})) or None,
            )
        )
    out.sort(key=lambda n: (n.runs_out_month is None, n.runs_out_month or 0, -n.pool_personnel, n.name))
    return out


def _handover_clone(cap: Capability, readiness: float) -> Capability:
    return cap.model_copy(
        update={
            "id": f"{cap.id}.handover"[:64],
            "name": f"{cap.name} (handing over)",
            "combat_power_per_unit": cap.combat_power_per_unit * readiness,
        }
    )


def _laydown_in_handover(
    lay: StationingResult, rotating: set[str], clone_of: dict[str, str], readiness: float
) -> StationingResult:
    """The laydown with each rotating pledge's placements on its handover capability, combat power scaled."""
    garrisons = []
    for g in lay.garrisons:
        placements = [
            pl.model_copy(update={"capability": clone_of[pl.capability], "combat_power": pl.combat_power * readiness})
            if pl.pledge in rotating
            else pl
            for pl in g.placements
        ]
        power = sum(pl.combat_power for pl in placements)
        garrisons.append(g.model_copy(update={"placements": placements, "combat_power": power}))
    return lay.model_copy(update={"garrisons": garrisons})


def assess_handover(
    sc: Scenario,
    opts: Options,
    mo: Month,
    rotating_personnel: int,
    threats: Sequence[str] | None,
    trials: int,
    seed: int,
    before_assessing: Callable[[], object] | None = None,
) -> HandoverAssessment:
    """P for each threat with the month's force, at full readiness and with its rotating units' combat power
    scaled by ``sustain.handover_readiness`` (same seed: common random numbers). ``before_assessing`` is called
    once the month's laydown is solved, before its two assessments (the pipeline waits there for its own
    assessment, so that two assessments never hold their trials in memory at once)."""
    r = sc.sustain.handover_readiness
    pledges = {p.id: p for p in (*sc.pledges, *sc.backstop.assets)}
    slots = [s for s in sc.requirement.slots if s.id in set(mo.slots)]
    base = month_scenario(sc, [pledges[i] for i in mo.pledges], slots)
    rotating_caps = {pledges[i].capability for i in mo.handovers}
    clones = {c: _handover_clone(sc.capability(c), r) for c in sorted(rotating_caps)}
    moved = [
        p.model_copy(update={"capability": clones[p.capability].id}) if p.id in mo.handovers else p
        for p in base.pledges
    ]
    assets = [
        p.model_copy(update={"capability": clones[p.capability].id}) if p.id in mo.handovers else p
        for p in base.backstop.assets
    ]
    low = base.model_copy(
        update={
            "capabilities": (*base.capabilities, *clones.values()),
            "pledges": tuple(moved),
            "backstop": base.backstop.model_copy(update={"assets": tuple(assets)}),
        }
    )
    # The same matched force and laydown in both: only the rotating units' combat power differs (their
    # placements name the handover capability, whose combat power per unit is scaled).
    from forceplan.engagement.assess import assess  # here: the engine compiles numba kernels on first import

    lay = station_force(base, mo.fg)
    lay_low = _laydown_in_handover(lay, set(mo.handovers), {c: k.id for c, k in clones.items()}, r)
    if before_assessing is not None:
        before_assessing()
    full = assess(base, threats, trials, seed, opts, fg=mo.fg, laydown=lay, sensitivity=False)
    reduced = assess(low, threats, trials, seed, opts, fg=mo.fg, laydown=lay_low, sensitivity=False)
    lows = {t.threat: t.p_reached.p for t in reduced.threats}
    return HandoverAssessment(
        month=mo.month,
        rotating_personnel=rotating_personnel,
        readiness=r,
        trials=full.trials,
        seed=seed,
        threats=[
            ThreatAtHandover(threat=t.threat, name=t.name, p_normal=t.p_reached.p, p_handover=lows[t.threat])
            for t in full.threats
        ],
    )


def sustain_force(
    sc: Scenario,
    years: int,
    opts: Options | None = None,
    progress: Callable[[int, int], None] | None = None,
    cache: bool = True,
    assess_trials: int | None = None,
    threats: Sequence[str] | None = None,
    seed: int = 0,
    before_assessing: Callable[[], object] | None = None,
) -> SustainResult:
    """Keep the force up for ``years``: one force generation per month (equal months solved once), the pools
    and run-out months, the cost, the requests that would close the gaps, and — when ``assess_trials`` is
    given — the deterrence assessment in the worst handover month (``before_assessing``: see
    :func:`assess_handover`)."""
    if not 1 <= years <= MAX_YEARS:
        raise ValueError(f"years must be between 1 and {MAX_YEARS}, got {years}")
    opts = opts or Options()
    horizon = 12 * years
    months, clocks = run_months(sc, opts, horizon, cache=cache, progress=progress)
    pers = {c.pledge.id: c.pledge.personnel_per_unit for c in clocks}
    overlap = {c.pledge.id: c.policy.overlap_days > 0 for c in clocks}
    results = [_month_result(sc, mo, pers, overlap) for mo in months]
    rows = _pledge_rows(sc, clocks, horizon)
    nations = _nation_rows(sc, rows, months)
    pledge_of = {c.pledge.id: (c.pledge.nation, c.pledge.capability, c.pledge.personnel_per_unit) for c in clocks}
    costs = cost_force(sc, months, pledge_of)
    used_caps = {a.pledge for mo in months for a in mo.fg.assignments}
    rates = [cost_rate(sc, pledge_of[p][1]) for p in used_caps]
    messages = []
    if not sc.sustain.costs:
        messages.append("The scenario gives no cost rates (sustain.costs): no cost figures.")
    gap_months = [r.month for r in results if r.shortfall_units > 0]
    worst = max(results, key=lambda r: (r.shortfall_personnel, -r.month)) if gap_months else None
    handover = None
    if assess_trials:
        hand = [(r.rotating_personnel, -r.month, m) for r, m in zip(results, months, strict=True) if r.handover]
        if hand:
            rot, _, mo = max(hand, key=lambda x: (x[0], x[1]))
            handover = assess_handover(sc, opts, mo, rot, threats, assess_trials, seed, before_assessing)
        else:
            messages.append("No handover within the horizon: no reduced-readiness month to assess.")
    lapse = next(
        (
            b.month
            for a, b in itertools.pairwise(results)
            if b.units_required == a.units_required and b.shortfall_units > a.shortfall_units
        ),
        None,
    )
    first_out = next((n for n in nations if n.runs_out_month is not None), None)
    return SustainResult(
        scenario=sc.name,
        scenario_digest=scenario_digest(sc),
        years=years,
        months=results,
        first_gap_month=gap_months[0] if gap_months else None,
        first_lapse_gap_month=lapse,
        worst_month=worst.month if worst else None,
        first_run_out=first_out,
        pledges=rows,
        nations=nations,
        costs=costs,
        cost_by_year=cost_by_year(costs),
        cost_illustrative=any(r.illustrative for r in rates if r is not None),
        requests=rank_requests(sc, months, clocks, horizon),
        handover_assessment=handover,
        distinct_solves=sum(mo.solved for mo in months),
        messages=messages,
    )
