r"""One force, several threats: which garrison units stay as guards and which go to which axis.

The force cannot be everywhere at once. For the axes of one offensive (a single threat, or several attacked
together), the movable elements e — in-theatre units, reinforcements, stockpile releases — are assigned to at
most one axis a each (binary x_ea, only where e can reach a); a garrison at a protected site keeps its guard.
The allocation maximises the worst axis's force ratio at the moment that matters, a proxy for minimising the
worst axis's probability of being overrun (which falls as the defender's power grows on every axis):

    stage 1:  max z
              z · A_a − Σ_e v_ea x_ea ≤ D_a                         for every axis a
              Σ_a x_ea ≤ 1                                          for every element e
              Σ_{e at s} p_e (1 − Σ_a x_ea) ≥ min(G_s, Σ_{e at s} p_e)   for every garrisoned protected site s
    stage 2:  max Σ_ea v_ea x_ea   subject to the above and z ≥ z* (1 − 10⁻⁶)

with A_a the attacker's combat power on the axis (initial and follow-on, modes), D_a the Ukrainian defender's,
p_e an element's combat power, G_s the site's required guard (its ``protection.required_combat_power``), and
v_ea = p_e · max(0.01, 1 − t_ea / 720 h) the element's power discounted by its arrival time t_ea after the attack
begins (the deterministic timeline at the parameters' modes): a unit that arrives late is worth less, one that
cannot arrive within 30 days is worth little. Air and strike elements are not allocated: air sorties and
munitions are shared among the axes that each reaches (their rates divided equally), see
:func:`share_air_and_strikes`. Solved with HiGHS (:mod:`forceplan.milp`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from forceplan.forcegen import ForcegenResult, Options
from forceplan.milp import HighsModel, StageInfo
from forceplan.scenario import Scenario
from forceplan.scenario.model import Fixed, Threat, Triangular
from forceplan.stationing import StationingResult
from forceplan.timeline.elements import Element, build_elements, node_capacity_per_h
from forceplan.timeline.simulate import simulate_axis

MOVABLE = ("in_theatre", "reinforcements", "stockpile_release")
HORIZON_H = 720.0


@dataclass(frozen=True)
class Allocation:
    """Where each movable element goes (threat id) or None (it stays: a guard, or of no use on these axes)."""

    axes: tuple[str, ...]
    assign: dict[str, str | None]
    guards: dict[str, list[str]] = field(default_factory=dict)
    """Protected site id → ids of the elements kept there as its guard."""
    worst_ratio: float = 0.0
    stages: tuple[StageInfo, ...] = ()

    def withheld(self, threat_id: str, elements: Sequence[Element]) -> set[str]:
        """Ids of the movable elements that do not go to ``threat_id``."""
        return {e.id for e in elements if e.option in MOVABLE and self.assign.get(e.id) != threat_id}


def guard_site(e: Element) -> str | None:
    """The site of a garrisoned in-theatre element (ids are ``PLEDGE@SITE``)."""
    if e.option != "in_theatre" or "@" not in e.id:
        return None
    return e.id.rsplit("@", 1)[1]


def allocate(
    sc: Scenario,
    threats: Sequence[Threat],
    elements: dict[str, list[Element]],
    arrival_h: dict[str, dict[str, float]],
    time_limit_s: float = 30.0,
    rel_gap: float = 0.001,
) -> Allocation:
    """Allocate for the axes of ``threats``. ``elements[t]`` are threat t's response elements (same ids across
    threats for the same unit); ``arrival_h[t][e]`` the element's arrival after the attack begins, hours (inf if
    it cannot arrive). Each stage stops within ``rel_gap`` of the optimum (0.1 % by default: the force ratio is
    a proxy; the gap reached is reported with each stage, which is called optimal only when proven)."""
    axes = tuple(t.id for t in threats)
    ids: list[str] = []
    power: dict[str, float] = {}
    site_of: dict[str, str | None] = {}
    for t in threats:
        for e in elements[t.id]:
            if e.option in MOVABLE and e.id not in power:
                ids.append(e.id)
                power[e.id] = e.power
                site_of[e.id] = guard_site(e)
    reach: list[tuple[int, int, float]] = []  # (element index, axis index, value)
    for a, t in enumerate(threats):
        by_id = {e.id: e for e in elements[t.id]}
        for i, eid in enumerate(ids):
            el = by_id.get(eid)
            t_h = arrival_h[t.id].get(eid, np.inf)
            if el is None or not el.reachable or el.power <= 0 or not np.isfinite(t_h):
                continue
            reach.append((i, a, el.power * max(0.01, 1.0 - max(t_h, 0.0) / HORIZON_H)))
    m = HighsModel(time_limit_s=time_limit_s)
    x = m.add_vars(np.zeros(len(reach)), np.ones(len(reach)), integer=True)
    z = m.add_vars([0.0], [1e6], integer=False)[0]
    for a, t in enumerate(threats):
        attacker = t.attacker.initial_combat_power + sum(arr.combat_power for arr in t.attacker.arrivals)
        cols = [k for k, (_, aa, _) in enumerate(reach) if aa == a]
        m.add_row([z, *x[cols]], [attacker, *[-reach[k][2] for k in cols]], -np.inf, t.defender_combat_power)
    for i in range(len(ids)):
        cols = [k for k, (ii, _, _) in enumerate(reach) if ii == i]
        if len(cols) > 1:
            m.add_row(x[cols], np.ones(len(cols)), -np.inf, 1.0)
    sites = {s.id: s for s in sc.sites}
    guards_needed: dict[str, float] = {}
    for sid in sorted({s for s in site_of.values() if s is not None}):
        site = sites.get(sid)
        if site is None or site.protection is None:
            continue
        members = [i for i, eid in enumerate(ids) if site_of[eid] == sid]
        total = sum(power[ids[i]] for i in members)
        need = min(site.protection.required_combat_power, total)
        guards_needed[sid] = need
        cols = [k for k, (ii, _, _) in enumerate(reach) if ii in members]
        if cols and need > 0:
            # Σ p (1 − Σ x) ≥ need  ⇔  Σ p x ≤ total − need
            m.add_row(x[cols], [power[ids[reach[k][0]]] for k in cols], -np.inf, total - need)
    cost = np.zeros(m.n)
    cost[z] = 1.0
    start = _greedy_start(threats, ids, power, site_of, guards_needed, reach, m.n, x, z)
    s1, sol = m.solve("worst axis force ratio", cost, "max", start=start, rel_gap=rel_gap)
    z_star = float(sol[z]) if s1.objective is not None else 0.0
    m.add_row([z], [1.0], z_star * (1 - 1e-6) - 1e-9, np.inf)  # stage 2 keeps stage 1's worst ratio
    cost2 = np.zeros(m.n)
    cost2[x] = [v for _, _, v in reach]
    s2, sol2 = m.solve("power delivered", cost2, "max", start=sol, rel_gap=rel_gap)
    use = sol2 if s2.objective is not None else sol
    assign: dict[str, str | None] = dict.fromkeys(ids)
    for k, (i, a, _) in enumerate(reach):
        if use[x[k]] > 0.5:
            assign[ids[i]] = axes[a]
    guards = {sid: [eid for eid in ids if site_of[eid] == sid and assign[eid] is None] for sid in guards_needed}
    return Allocation(axes, assign, guards, round(z_star, 6), (s1, s2))


def _greedy_start(
    threats: Sequence[Threat],
    ids: list[str],
    power: dict[str, float],
    site_of: dict[str, str | None],
    guards_needed: dict[str, float],
    reach: list[tuple[int, int, float]],
    n_cols: int,
    x: np.ndarray,
    z: int,
) -> np.ndarray:
    """A feasible first incumbent for HiGHS: keep each guarded site's largest units until its guard is met, then
    give every other unit, most valuable first, to the reachable axis whose ratio is lowest."""
    kept: set[int] = set()
    for sid, need in guards_needed.items():
        members = sorted((i for i, eid in enumerate(ids) if site_of[eid] == sid), key=lambda i: -power[ids[i]])
        have = 0.0
        for i in members:
            if have >= need - 1e-9:
                break
            kept.add(i)
            have += power[ids[i]]
    attacker = [t.attacker.initial_combat_power + sum(a.combat_power for a in t.attacker.arrivals) for t in threats]
    got = [float(t.defender_combat_power) for t in threats]
    options: dict[int, list[tuple[int, float, int]]] = {}
    for k, (i, a, v) in enumerate(reach):
        options.setdefault(i, []).append((a, v, k))
    start = np.zeros(n_cols)
    for i in sorted(options, key=lambda i: -max(v for _, v, _ in options[i])):
        if i in kept:
            continue
        a, v, k = min(options[i], key=lambda o: got[o[0]] / attacker[o[0]])
        got[a] += v
        start[x[k]] = 1.0
    start[z] = min(g / att for g, att in zip(got, attacker, strict=True))
    return start


def share_air_and_strikes(elements: dict[str, list[Element]]) -> dict[str, dict[str, float]]:
    """For each threat, the share of each air or strike element's sorties and munitions it receives: an element
    that reaches k of the axes gives each 1/k."""
    reached: dict[str, int] = {}
    for els in elements.values():
        for e in els:
            if e.option in ("air_power", "long_range_fires") and e.reachable:
                reached[e.id] = reached.get(e.id, 0) + 1
    return {
        t: {e.id: 1.0 / reached[e.id] for e in els if e.id in reached and e.reachable} for t, els in elements.items()
    }


@dataclass(frozen=True)
class AxisPlan:
    """What one axis receives under an allocation: the movable elements kept from it, and its shares of the air
    and strike elements."""

    threat: str
    withheld: frozenset[str]
    why: dict[str, str]
    shares: dict[str, float]

    def apply(self, els: list[Element]) -> list[Element]:
        out = []
        for e in els:
            if e.id in self.withheld and e.reachable:
                e = dataclasses.replace(e, reachable=False, node=None, note=self.why.get(e.id, "allocated elsewhere"))
            elif e.id in self.shares and self.shares[e.id] < 1.0:
                k = self.shares[e.id]
                extra = {key: v * k if key in SHARED_RATES else v for key, v in e.extra.items()}
                e = dataclasses.replace(e, extra=extra, note=e.note + f"; {k:.0%} of its effort (shared)")
            out.append(e)
        return out


SHARED_RATES = ("sorties_per_day", "munitions_per_day", "stock_munitions")


def plan_axes(
    sc: Scenario,
    threats: list[Threat],
    fg: ForcegenResult,
    lay: StationingResult,
    params: dict[str, Fixed | Triangular],
    modes: dict[str, float],
    opts: Options,
) -> tuple[Allocation, dict[str, AxisPlan]]:
    """Allocate the force among the axes of ``threats`` (one threat: its guards stay behind)."""
    elements: dict[str, list[Element]] = {}
    arrival: dict[str, dict[str, float]] = {}
    for t in threats:
        els, nodes = build_elements(sc, t, fg, lay, modes, opts)
        elements[t.id] = els
        det = simulate_axis(els, params, node_capacity_per_h(nodes), 1, None)
        arrival[t.id] = {e.id: float(det.times_h[0, k]) - t.warning_time_h for k, e in enumerate(els)}
    alloc = allocate(sc, threats, elements, arrival)
    shares = share_air_and_strikes(elements)
    guard_of = {eid: sid for sid, ids in alloc.guards.items() for eid in ids}
    plans = {}
    for t in threats:
        withheld = alloc.withheld(t.id, elements[t.id])
        why = {
            eid: f"stays as the guard of {guard_of[eid]}"
            if eid in guard_of
            else f"allocated to {alloc.assign[eid]}"
            if alloc.assign.get(eid)
            else "not sent (of no use on this axis)"
            for eid in withheld
        }
        plans[t.id] = AxisPlan(t.id, frozenset(withheld), why, shares.get(t.id, {}))
    return alloc, plans
