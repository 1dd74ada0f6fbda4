"""One stationing run: the matched force → eligible sites → MILP → garrisons, coverage, reach."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from forceplan.forcegen import ForcegenResult, Options, match_force, pledge_pool
from forceplan.geo import geodesic_km
from forceplan.geo.straits import beyond_the_straits
from forceplan.scenario import Scenario, line_of_contact, scenario_digest
from forceplan.scenario.parameters import parameter
from forceplan.stationing.laydown import (
    Group,
    LaydownProblem,
    hostile_distances,
    line_distances,
    site_reasons,
    solve_laydown,
)
from forceplan.stationing.result import (
    REACH_HOURS,
    AxisReach,
    Coverage,
    Garrison,
    HeldWarship,
    Montreux,
    Placement,
    SiteRef,
    SolveStage,
    StationingResult,
    Unplaced,
)


def force_groups(sc: Scenario, fg: ForcegenResult, opts: Options | None = None) -> list[Group]:
    """The matched force as groups of units (one per pledge and slot)."""
    pool = {p.id: p for p in pledge_pool(sc, opts or Options(us_backstop=fg.options.us_backstop)).pledges}
    caps = {c.id: c for c in sc.capabilities}
    return [
        Group(pledge=pool[a.pledge], capability=caps[pool[a.pledge].capability], slot=a.slot, units=a.units)
        for a in fg.assignments
    ]


def station_force(
    sc: Scenario,
    fg: ForcegenResult | None = None,
    standoff_km: float | None = None,
    time_limit_s: float = 60.0,
    rel_gap: float = 0.005,
    digest: str | None = None,
    highs_options: Mapping[str, bool | int | float | str] | None = None,
) -> StationingResult:
    """Station the matched force (``fg``; by default the baseline force-generation result).

    ``rel_gap`` > 0 lets the reach stage stop within that relative gap (reported, never called optimal).
    ``digest``: the scenario's ``scenario_digest`` when the caller has it already (it reads the GeoJSON files).
    ``highs_options``: see :func:`~forceplan.stationing.laydown.solve_laydown` (the benchmark's peer run)."""
    fg = fg or match_force(sc)
    standoff = sc.geography.standoff_km if standoff_km is None else standoff_km
    loc = line_of_contact(sc)
    groups = force_groups(sc, fg)
    cands = [s for s in sc.sites if s.station]
    line_km, occupied = line_distances(loc, cands)
    hostile = hostile_distances(sc, loc, cands)
    near_km, near_what = hostile.nearest()
    circuity = parameter(sc, "road_circuity_factor").mode

    cxy = np.array([s.location for s in cands], dtype=float).reshape(-1, 2)
    beyond = beyond_the_straits(cxy[:, 0], cxy[:, 1])

    # Eligibility, with reasons kept for groups that end up unplaced. Pairs refused by the Montreux rule alone
    # are kept aside: solved with them too, they show what the rule leaves uncovered.
    reasons: dict[int, list[tuple[str, str]]] = defaultdict(list)
    pairs: list[tuple[int, int]] = []
    montreux_pairs: list[tuple[int, int]] = []
    for gi, g in enumerate(groups):
        for j, s in enumerate(cands):
            r = site_reasons(sc, g, s, bool(occupied[j]), float(near_km[j]), standoff, near_what[j], bool(beyond[j]))
            if r:
                reasons[gi] += r
                if [c for c, _ in r] == ["montreux"]:
                    montreux_pairs.append((gi, j))
            else:
                pairs.append((gi, j))

    protected = [s for s in sc.sites if s.protection is not None]
    _, prot_occ = line_distances(loc, protected)
    pxy = np.array([s.location for s in protected], dtype=float).reshape(-1, 2)
    dist_pk = (
        geodesic_km(pxy[:, None, 0], pxy[:, None, 1], cxy[None, :, 0], cxy[None, :, 1])
        if len(pxy) and len(cxy)
        else np.zeros((len(pxy), len(cxy)))
    )
    radius = np.array([s.protection.radius_km for s in protected if s.protection], dtype=float)
    within = dist_pk <= radius[:, None] if len(protected) else np.zeros((0, len(cands)), dtype=bool)

    axes = [t for t in sc.threats]
    axy = np.array([t.axis.start for t in axes], dtype=float).reshape(-1, 2)
    axis_w = np.array([t.weight for t in axes], dtype=float)
    dist_ja = (
        geodesic_km(cxy[:, None, 0], cxy[:, None, 1], axy[None, :, 0], axy[None, :, 1])
        if len(axy) and len(cxy)
        else np.zeros((len(cands), len(axes)))
    )

    def build(pairs: list[tuple[int, int]]) -> tuple[LaydownProblem, list[list[int]], list[tuple[int, int]]]:
        # Interchangeable groups (same capability, unit size and eligible sites) form one class in the MILP: fewer
        # columns, no symmetry. The class's units at each site are handed back to its groups in order afterwards.
        eligible: dict[int, list[int]] = defaultdict(list)
        for gi, j in pairs:
            eligible[gi].append(j)
        class_of: dict[tuple, int] = {}
        members: list[list[int]] = []
        for gi, g in enumerate(groups):
            key = (g.capability.id, g.personnel, tuple(eligible[gi]))
            if key not in class_of:
                class_of[key] = len(members)
                members.append([])
            members[class_of[key]].append(gi)
        rep = [groups[m[0]] for m in members]
        cpairs = [(ci, j) for ci, m in enumerate(members) for j in eligible[m[0]]]
        pg = np.array([ci for ci, _ in cpairs], dtype=np.int64)
        ps = np.array([j for _, j in cpairs], dtype=np.int64)
        speed = np.array([g.capability.road_march_kmh or 0.0 for g in rep])
        power = np.array([g.power for g in rep])
        reach_cost = np.zeros(len(cpairs))
        if len(cpairs) and len(axes):
            moving = speed[pg] > 0
            hours = dist_ja[ps] * circuity / np.where(moving, speed[pg], 1.0)[:, None]
            reach_cost = np.where(moving, power[pg] * (hours @ axis_w), 0.0)

        lp = LaydownProblem(
            group_units=np.array([sum(groups[gi].units for gi in m) for m in members], dtype=np.int64),
            group_personnel=np.array([g.personnel for g in rep], dtype=np.int64),
            group_power=power,
            site_capacity=np.array([s.capacity_personnel for s in cands], dtype=np.int64),
            pair_group=pg,
            pair_site=ps,
            pair_reach_cost=reach_cost,
            protect_priority=np.array([s.protection.priority_weight for s in protected if s.protection], dtype=float),
            protect_required=np.array(
                [s.protection.required_combat_power for s in protected if s.protection], dtype=float
            ),
            protect_within=within,
            protect_possible=~prot_occ,
        )
        return lp, members, cpairs

    eligible_of: dict[int, list[int]] = defaultdict(list)
    for gi, j in pairs:
        eligible_of[gi].append(j)
    lp, members, cpairs = build(pairs)
    stages, class_units = solve_laydown(lp, time_limit_s, rel_gap, highs_options=highs_options)
    remaining = {gi: groups[gi].units for gi in range(len(groups))}
    yv_pairs: list[tuple[int, int, int]] = []
    for (ci, j), n in zip(cpairs, class_units, strict=True):
        n = int(n)
        for gi in members[ci]:
            if n <= 0:
                break
            take = min(n, remaining[gi])
            if take:
                yv_pairs.append((gi, j, take))
                remaining[gi] -= take
                n -= take

    # Read back: placements and garrisons.
    placements: dict[int, list[Placement]] = defaultdict(list)
    placed_by_group = np.zeros(len(groups), dtype=np.int64)
    for gi, j, n in yv_pairs:
        g = groups[gi]
        placements[j].append(
            Placement(
                pledge=g.pledge.id,
                nation=g.pledge.nation,
                capability=g.capability.id,
                slot=g.slot,
                site=cands[j].id,
                units=int(n),
                personnel=int(n) * g.personnel,
                combat_power=round(float(n) * g.power, 6),
            )
        )
        placed_by_group[gi] += n
    garrisons = []
    site_power = np.zeros(len(cands))
    for j, s in enumerate(cands):
        ps_j = placements.get(j, [])
        if not ps_j:
            continue
        site_power[j] = sum(p.combat_power for p in ps_j)
        garrisons.append(
            Garrison(
                site=s.id,
                name=s.name,
                kind=s.kind.value,
                country=s.country,
                location=s.location,
                distance_to_line_km=round(float(line_km[j]), 1),
                distance_to_occupied_km=round(float(hostile.occupied_km[j]), 1),
                distance_to_border_km={k: round(float(v[j]), 1) for k, v in hostile.border_km.items()},
                units=sum(p.units for p in ps_j),
                personnel=sum(p.personnel for p in ps_j),
                capacity_personnel=s.capacity_personnel,
                combat_power=round(float(site_power[j]), 6),
                nations=sorted({p.nation for p in ps_j}),
                placements=ps_j,
            )
        )

    total_power = float(sum(g.units * g.power for g in groups))
    eligible_sites = {j for _, j in pairs}
    coverage = []
    for k, s in enumerate(protected):
        assert s.protection is not None
        inside = within[k] if len(cands) else np.zeros(0, dtype=bool)
        got = float(site_power[inside].sum()) if len(cands) else 0.0
        covered = got + 1e-9 >= s.protection.required_combat_power and not prot_occ[k]
        reason = detail = None
        if not covered:
            near = [j for j in np.flatnonzero(inside) if j in eligible_sites]
            best_density = max((g.power / g.personnel for g in groups if g.power > 0), default=0.0)
            room = sum(cands[j].capacity_personnel for j in near) * best_density
            if prot_occ[k]:
                reason, detail = "occupied", f"{s.id} lies in occupied territory: it cannot be protected on the ground"
            elif not near:
                reason = "no_site"
                detail = f"no station within {s.protection.radius_km:g} km is eligible (standoff, kind or country)"
            elif room + 1e-9 < s.protection.required_combat_power:
                reason = "capacity"
                detail = (
                    f"stations within {s.protection.radius_km:g} km can hold at most {room:.1f} combat power, "
                    f"{s.protection.required_combat_power:g} needed"
                )
            elif total_power + 1e-9 < s.protection.required_combat_power:
                reason, detail = "force_too_small", f"the whole force has {total_power:.1f} combat power"
            else:
                reason = "used_elsewhere"
                detail = (
                    f"{got:.1f} of {s.protection.required_combat_power:g} combat power within reach: the rest "
                    "covers sites of higher priority or must stay able to reach the threat axes"
                )
        coverage.append(
            Coverage(
                site=s.id,
                name=s.name,
                priority_weight=s.protection.priority_weight,
                radius_km=s.protection.radius_km,
                required_combat_power=s.protection.required_combat_power,
                combat_power_within_radius=round(got, 6),
                covered=bool(covered),
                covered_by=[cands[j].id for j in np.flatnonzero(inside) if site_power[j] > 0],
                reason=reason,
                detail=detail,
            )
        )

    montreux = montreux_effect(sc, groups, montreux_pairs, placed_by_group)
    if montreux_pairs:
        lp_cf, members_cf, cpairs_cf = build(pairs + montreux_pairs)
        _, units_cf = solve_laydown(lp_cf, time_limit_s, 0.0, last_stage="coverage", highs_options=highs_options)
        power_cf = np.zeros(len(cands))
        for (ci, j), n in zip(cpairs_cf, units_cf, strict=True):
            power_cf[j] += int(n) * groups[members_cf[ci][0]].power
        for k, s in enumerate(protected):
            assert s.protection is not None
            got_cf = float(power_cf[within[k]].sum()) if len(cands) else 0.0
            if not coverage[k].covered and not prot_occ[k] and got_cf + 1e-9 >= s.protection.required_combat_power:
                montreux.uncovered.append(SiteRef(site=s.id, name=s.name))

    reach = []
    for a, t in enumerate(axes):
        by_hour: dict[str, float] = {}
        best: tuple[float, str] | None = None
        for h in REACH_HOURS:
            total = 0.0
            for j, ps_j in placements.items():
                for p in ps_j:
                    g_speed = next(g.capability.road_march_kmh for g in groups if g.pledge.id == p.pledge)
                    if not g_speed or p.combat_power <= 0:
                        continue
                    hrs = float(dist_ja[j, a]) * circuity / g_speed
                    if hrs <= h:
                        total += p.combat_power
                    if best is None or hrs < best[0]:
                        best = (hrs, cands[j].id)
            by_hour[f"{h}h"] = round(total, 6)
        reach.append(
            AxisReach(
                threat=t.id,
                name=t.name,
                weight=t.weight,
                combat_power_by_hour=by_hour,
                nearest_garrison=best[1] if best else None,
                nearest_hours=round(best[0], 2) if best else None,
            )
        )

    unplaced = []
    for gi, g in enumerate(groups):
        left = g.units - int(placed_by_group[gi])
        if left <= 0:
            continue
        own = sorted(reasons.get(gi, []), key=lambda r: r[0] != "montreux")  # the treaty first: it decides
        if not eligible_of.get(gi):
            codes = sorted({c for c, _ in own})
            reason, detail = "no_eligible_site", "; ".join(dict.fromkeys(d for _, d in own))[:600]
            reason = f"no_eligible_site ({', '.join(codes)})"
        else:
            reason, detail = "capacity", "eligible stations are full"
        unplaced.append(
            Unplaced(
                pledge=g.pledge.id,
                nation=g.pledge.nation,
                capability=g.capability.id,
                slot=g.slot,
                units=left,
                reason=reason,
                detail=detail,
            )
        )

    return StationingResult(
        scenario=sc.name,
        scenario_digest=digest or scenario_digest(sc),
        standoff_km=standoff,
        line_of_contact_km=round(loc.length_km, 1),
        solve=[SolveStage(**s.as_dict()) for s in stages],
        optimal=bool(stages) and all(s.optimal for s in stages),
        units_total=sum(g.units for g in groups),
        units_placed=int(placed_by_group.sum()),
        personnel_placed=sum(p.personnel for ps_j in placements.values() for p in ps_j),
        garrisons=garrisons,
        coverage=coverage,
        reach=reach,
        unplaced=unplaced,
        montreux=montreux,
        parameters={
            "road_circuity_factor": circuity,
            "standoff_km": standoff,
            "no_frontline_standoff_km": sc.geography.no_frontline_standoff_km,
        },
    )


def montreux_effect(
    sc: Scenario,
    groups: list[Group],
    montreux_pairs: list[tuple[int, int]],
    placed_by_group: NDArray[np.int64],
) -> Montreux:
    """The warships the Montreux rule kept from every Black Sea station (``uncovered`` is filled by the caller
    from the solve without the rule)."""
    held = []
    for gi in sorted({gi for gi, _ in montreux_pairs}):
        g = groups[gi]
        held.append(
            HeldWarship(
                pledge=g.pledge.id,
                nation=g.pledge.nation,
                capability=g.capability.id,
                units=g.units,
                combat_power=round(g.units * g.power, 6),
                stationed_outside=int(placed_by_group[gi]),
            )
        )
    return Montreux(open_to=sorted(sc.geography.straits_open_to), held=held, uncovered=[])
