"""One force-generation run: eligibility → MILP → the result with every shortfall explained."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from forceplan.forcegen.eligibility import (
    Options,
    Reason,
    phase_windows,
    pledge_pool,
    slot_capabilities,
    why_not,
)
from forceplan.forcegen.matching import MatchProblem, solve_matching
from forceplan.forcegen.result import (
    Assignment,
    CaseOptions,
    ForcegenResult,
    LifecycleRow,
    NationBurden,
    ReadinessPoint,
    ShortfallReason,
    SlotResult,
    SolveStage,
    Totals,
    UnusedPledge,
)
from forceplan.scenario import Scenario, scenario_digest
from forceplan.scenario.model import STATUS_ORDER, Pledge, PledgeStatus

READINESS_DAYS = (0, 5, 10, 30, 60)


def case_options(sc: Scenario, opts: Options) -> CaseOptions:
    return CaseOptions(
        min_status=opts.min_status.value,
        without=sorted(opts.without),
        us_backstop=opts.backstop(sc),
        max_personnel=opts.cap(sc),
        max_nation_share=opts.share(sc),
    )


def _grouped(reasons: list[tuple[Pledge, Reason]]) -> list[ShortfallReason]:
    by_code: dict[str, list[tuple[Pledge, Reason]]] = defaultdict(list)
    for p, r in reasons:
        by_code[r.code].append((p, r))
    out = []
    for code, items in by_code.items():
        pledges = list(dict.fromkeys(p.id for p, _ in items))
        units = sum({p.id: p.quantity for p, _ in items}.values())
        detail = "; ".join(dict.fromkeys(r.detail for _, r in items))
        out.append(ShortfallReason(code=code, detail=detail, pledges=pledges, units=units))
    return out


def match_force(
    sc: Scenario,
    opts: Options | None = None,
    time_limit_s: float = 60.0,
    solver: str = "highs",
    digest: str | None = None,
) -> ForcegenResult:
    """Match the scenario's pledges to its requirement under ``opts``; see :mod:`forceplan.forcegen.matching`.

    ``solver``: ``highs`` (default) or ``cbc`` (PuLP's CBC; faster when the personnel cap binds hard).
    ``digest``: the scenario's ``scenario_digest`` when the caller has it already (it reads the GeoJSON files)."""
    opts = opts or Options()
    pool = pledge_pool(sc, opts)
    pledges = list(pool.pledges)
    slots = list(sc.requirement.slots)
    windows = phase_windows(sc)
    caps = {c.id: c for c in sc.capabilities}
    cap_personnel = opts.cap(sc)
    messages: list[str] = []

    # Eligibility with reasons, for every pledge and slot of the same capability.
    pledges_by_cap: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(pledges):
        for c in slot_capabilities(sc, p.capability):
            pledges_by_cap[c].append(i)
    why: dict[tuple[int, int], list[Reason]] = {}
    pairs: list[tuple[int, int]] = []
    for j, s in enumerate(slots):
        for i in pledges_by_cap.get(s.capability, []):
            p = pledges[i]
            r = why_not(sc, p, s, opts, windows)
            why[(i, j)] = r
            if not r:
                pairs.append((i, j))

    if not slots:
        messages.append("The requirement has no slots: nothing to fill.")
    elif not pairs:
        messages.append("No pledge is eligible for any slot in this case: every slot is a shortfall.")
    smallest = min((p.personnel_per_unit for p in pledges), default=0)
    if pledges and cap_personnel < smallest:
        messages.append(
            f"The personnel cap ({cap_personnel:,}) is below the smallest pledged unit ({smallest:,} personnel): "
            "nothing can be matched."
        )

    mp = MatchProblem.build(pledges, slots, pairs, cap_personnel, opts.share(sc))
    if solver == "cbc":
        from forceplan.forcegen.cbc import solve_matching_cbc

        stages, xv = solve_matching_cbc(mp, time_limit_s=time_limit_s)
    elif solver == "highs":
        stages, xv = solve_matching(mp, time_limit_s=time_limit_s)
    else:
        raise ValueError(f"unknown solver {solver!r}: use highs or cbc")
    used_by_pledge = np.zeros(len(pledges), dtype=np.int64)
    filled = np.zeros(len(slots), dtype=np.int64)
    assignments: list[Assignment] = []
    by_slot: dict[int, list[Assignment]] = defaultdict(list)
    for (i, j), units in zip(pairs, xv, strict=True):
        if units <= 0:
            continue
        p = pledges[i]
        a = Assignment(
            pledge=p.id,
            nation=p.nation,
            slot=slots[j].id,
            units=int(units),
            personnel=int(units) * p.personnel_per_unit,
        )
        assignments.append(a)
        by_slot[j].append(a)
        used_by_pledge[i] += units
        filled[j] += units
    matched_personnel = sum(a.personnel for a in assignments)
    share = opts.share(sc)

    def blocked_reason(eligible: list[int]) -> ShortfallReason:
        """Eligible pledges still have units but the slot is short: a cap binds."""
        spare = [i for i in eligible if used_by_pledge[i] < pledges[i].quantity]
        smallest_spare = min(pledges[i].personnel_per_unit for i in spare)
        ids = [pledges[i].id for i in spare]
        units = int(sum(pledges[i].quantity - used_by_pledge[i] for i in spare))
        if matched_personnel + smallest_spare > cap_personnel:
            return ShortfallReason(
                code="personnel_cap",
                detail=f"the personnel cap of {cap_personnel:,} binds ({matched_personnel:,} matched)",
                pledges=ids,
                units=units,
            )
        if share is not None:
            return ShortfallReason(
                code="nation_share_cap",
                detail=f"no nation may exceed {share:.0%} of the force",
                pledges=ids,
                units=units,
            )
        return ShortfallReason(
            code="trade_off", detail="units left unused by the optimiser's trade-off", pledges=ids, units=units
        )

    slot_results: list[SlotResult] = []
    for j, s in enumerate(slots):
        short = s.quantity - int(filled[j])
        reasons: list[ShortfallReason] = []
        if short > 0:
            same = pledges_by_cap.get(s.capability, [])
            if not same:
                reasons.append(ShortfallReason(code="no_pledge", detail=f"no nation pledges {s.capability}"))
            excluded = [(pledges[i], r) for i in same for r in why[(i, j)]]
            reasons += _grouped(excluded)
            eligible = [i for i in same if not why[(i, j)]]
            if eligible:
                if any(used_by_pledge[i] < pledges[i].quantity for i in eligible):
                    reasons.append(blocked_reason(eligible))
                else:
                    elsewhere = sorted(
                        {
                            a.slot
                            for a in assignments
                            if a.slot != s.id and a.pledge in {pledges[i].id for i in eligible}
                        }
                    )
                    if elsewhere:
                        reasons.append(
                            ShortfallReason(
                                code="used_elsewhere",
                                detail=f"eligible units are used in {', '.join(elsewhere)}",
                                pledges=[pledges[i].id for i in eligible],
                            )
                        )
                    total = sum(pledges[i].quantity for i in eligible)
                    if total < s.quantity:
                        reasons.append(
                            ShortfallReason(
                                code="not_enough_units",
                                detail=f"eligible pledges hold {total} units, the slot needs {s.quantity}",
                                pledges=[pledges[i].id for i in eligible],
                                units=total,
                            )
                        )
        got = by_slot[j]
        slot_results.append(
            SlotResult(
                slot=s.id,
                capability=s.capability,
                phase=s.phase,
                roles=[r.value for r in s.roles],
                priority_weight=s.priority_weight,
                required_units=s.quantity,
                filled_units=int(filled[j]),
                fill_fraction=float(filled[j]) / s.quantity,
                personnel=sum(a.personnel for a in got),
                combat_power=round(float(filled[j]) * caps[s.capability].combat_power_per_unit, 6),
                assignments=got,
                shortfall_units=short,
                shortfall_reasons=reasons,
            )
        )

    unused: list[UnusedPledge] = []
    slots_by_cap: dict[str, list[int]] = defaultdict(list)
    for j, s in enumerate(slots):
        slots_by_cap[s.capability].append(j)
    for i, p in enumerate(pledges):
        left = p.quantity - int(used_by_pledge[i])
        if left <= 0:
            continue
        rs: list[ShortfallReason] = []
        own_slots = [j for c in sorted(slot_capabilities(sc, p.capability)) for j in slots_by_cap.get(c, [])]
        if not own_slots:
            rs.append(ShortfallReason(code="no_slot", detail=f"no slot requires {p.capability}"))
        else:
            per_slot = [(p, r) for j in own_slots for r in why[(i, j)]]
            rs += _grouped(per_slot)
            eligible_slots = [j for j in own_slots if not why[(i, j)]]
            if eligible_slots:
                if all(filled[j] >= slots[j].quantity for j in eligible_slots):
                    rs.append(
                        ShortfallReason(
                            code="surplus",
                            detail="every slot it may fill is full: " + ", ".join(slots[j].id for j in eligible_slots),
                            pledges=[p.id],
                            units=left,
                        )
                    )
                else:
                    rs.append(blocked_reason([i]))
        unused.append(
            UnusedPledge(
                pledge=p.id,
                nation=p.nation,
                capability=p.capability,
                status=p.status.value,
                units_unused=left,
                personnel_unused=left * p.personnel_per_unit,
                reasons=rs,
            )
        )

    counted = [p for p in pledges if p.status in opts.counted() and p.nation not in opts.without]
    offered = sum(p.quantity * p.personnel_per_unit for p in counted)
    ntm = {p.id: p.notice_to_move_days for p in pledges}
    readiness = [
        ReadinessPoint(
            day=d,
            personnel=(pers := sum(a.personnel for a in assignments if ntm[a.pledge] <= d)),
            fraction=pers / matched_personnel if matched_personnel else 0.0,
        )
        for d in READINESS_DAYS
    ]

    nations = {n.iso3: n for n in sc.nations}
    matched_by_nation: dict[str, int] = defaultdict(int)
    for a in assignments:
        matched_by_nation[a.nation] += a.personnel
    offered_by_nation: dict[str, int] = defaultdict(int)
    for p in counted:
        offered_by_nation[p.nation] += p.quantity * p.personnel_per_unit
    burden = []
    for iso in sorted(
        set(offered_by_nation) | set(matched_by_nation),
        key=lambda n: (-matched_by_nation[n], -offered_by_nation[n], n),
    ):
        nat = nations.get(iso)
        mpers = matched_by_nation[iso]
        burden.append(
            NationBurden(
                nation=iso,
                name=nat.name if nat else iso,
                personnel_offered=offered_by_nation[iso],
                personnel_matched=mpers,
                share=mpers / matched_personnel if matched_personnel else 0.0,
                per_million_population=mpers / nat.population_millions if nat else 0.0,
                per_usd_bn_gdp=mpers / nat.gdp_usd_bn if nat else 0.0,
            )
        )

    all_offered = sum(p.quantity * p.personnel_per_unit for p in pledges if p.status is not PledgeStatus.withdrawn)
    matched_by_pledge: dict[str, int] = defaultdict(int)
    for a in assignments:
        matched_by_pledge[a.pledge] += a.personnel
    lifecycle = []
    for st in (*STATUS_ORDER, PledgeStatus.withdrawn):
        ps = [p for p in pledges if p.status is st]
        po = sum(p.quantity * p.personnel_per_unit for p in ps)
        lifecycle.append(
            LifecycleRow(
                status=st.value,
                pledges=len(ps),
                units=sum(p.quantity for p in ps),
                personnel_offered=po,
                personnel_matched=sum(matched_by_pledge[p.id] for p in ps),
                fraction_of_offered=po / all_offered if all_offered and st is not PledgeStatus.withdrawn else 0.0,
            )
        )

    units_required = sum(s.quantity for s in slots)
    weight_required = sum(s.quantity * s.priority_weight for s in slots)
    weight_filled = sum(float(filled[j]) * s.priority_weight for j, s in enumerate(slots))
    totals = Totals(
        personnel_required=sum(s.quantity * caps[s.capability].personnel_per_unit for s in slots),
        personnel_cap=cap_personnel,
        personnel_offered=offered,
        personnel_matched=matched_personnel,
        units_required=units_required,
        units_matched=int(filled.sum()),
        fill_fraction=float(filled.sum()) / units_required if units_required else 1.0,
        weighted_fill_fraction=weight_filled / weight_required if weight_required else 1.0,
        shortfall_units=units_required - int(filled.sum()),
        nations_pledging=len({p.nation for p in counted}),
        nations_contributing=len({a.nation for a in assignments}),
        combat_power_matched=round(sum(sr.combat_power for sr in slot_results), 6),
    )
    solve = [SolveStage(**st.as_dict()) for st in stages]
    return ForcegenResult(
        scenario=sc.name,
        scenario_digest=digest or scenario_digest(sc),
        options=case_options(sc, opts),
        solve=solve,
        optimal=all(s.optimal for s in stages),
        totals=totals,
        slots=slot_results,
        unused=unused,
        readiness=readiness,
        burden=burden,
        lifecycle=lifecycle,
        assignments=assignments,
        messages=messages,
    )
