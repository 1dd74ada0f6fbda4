"""Allocation benchmark: one force shared among 5 axes, 100 movable units, 10 guarded protected sites.

Target: ≤ 1 s median on 2 cores for the two-stage MILP (worst-axis force ratio, then power delivered) built and
solved by :func:`forceplan.timeline.allocate.allocate` at its default 0.1 % gap. Peer in the same run: the same
first stage written for PuLP and solved to proof by its bundled CBC; the worst-axis ratios must agree within the
gap.

Run: ``.venv/bin/python benchmarks/allocation.py [--repeats 5] [--seed 1]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pulp
from common import machine_line

from forceplan.scenario import load_scenario
from forceplan.scenario.model import Threat
from forceplan.timeline import Element
from forceplan.timeline.allocate import allocate

AXES, UNITS = 5, 100


def instance(sc, seed: int):
    rng = np.random.default_rng(seed)
    guarded = [s for s in sc.sites if s.protection is not None][:10]
    threats = [
        Threat.model_validate(
            {
                "id": f"A{a}",
                "name": f"axis {a}",
                "axis": {"start": [35.0 + a, 48.0], "objective": [34.0 + a, 48.5]},
                "attacker": {"initial_combat_power": float(rng.uniform(20, 60))},
                "defender_combat_power": float(rng.uniform(5, 30)),
                "warning_time_h": 12,
            }
        )
        for a in range(AXES)
    ]
    power = rng.uniform(0.2, 2.0, UNITS)
    at_site = [guarded[k % len(guarded)].id if k < 40 else f"other{k}" for k in range(UNITS)]
    elements, arrival = {}, {}
    for t in threats:
        reach = rng.random(UNITS) < 0.6
        elements[t.id] = [
            Element(
                id=f"u{k}@{at_site[k]}",
                option="in_theatre",
                label=f"u{k}",
                nation="X",
                power=float(power[k]),
                reachable=bool(reach[k]),
            )
            for k in range(UNITS)
        ]
        arrival[t.id] = {f"u{k}@{at_site[k]}": float(rng.uniform(10, 400)) for k in range(UNITS)}
    return threats, elements, arrival


def pulp_stage1(sc, threats, elements, arrival) -> float:
    ids = [e.id for e in elements[threats[0].id]]
    prob = pulp.LpProblem("alloc", pulp.LpMaximize)
    z = pulp.LpVariable("z", 0)
    x = {}
    for a, t in enumerate(threats):
        for e in elements[t.id]:
            if e.reachable:
                x[e.id, a] = pulp.LpVariable(f"x_{len(x)}", cat="Binary")
    prob += z
    for a, t in enumerate(threats):
        att = t.attacker.initial_combat_power
        v = {e.id: e.power * max(0.01, 1 - arrival[t.id][e.id] / 720) for e in elements[t.id] if e.reachable}
        prob += z * att - pulp.lpSum(v[i] * x[i, a] for i in v) <= t.defender_combat_power
    for i in ids:
        prob += pulp.lpSum(x[i, a] for a in range(len(threats)) if (i, a) in x) <= 1
    sites = {s.id: s for s in sc.sites}
    power = {e.id: e.power for e in elements[threats[0].id]}
    for sid in {i.rsplit("@", 1)[1] for i in ids}:
        if sid not in sites or sites[sid].protection is None:
            continue
        members = [i for i in ids if i.endswith("@" + sid)]
        need = min(sites[sid].protection.required_combat_power, sum(power[i] for i in members))
        prob += pulp.lpSum(power[i] * x[i, a] for i in members for a in range(len(threats)) if (i, a) in x) <= (
            sum(power[i] for i in members) - need
        )
    prob.solve(pulp.PULP_CBC_CMD(msg=False))
    return float(z.value())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    print(f"allocation benchmark: {AXES} axes × {UNITS} units, 10 guarded sites, two HiGHS stages")
    print(machine_line())
    sc = load_scenario("ukraine-2025")
    runs, peer, agree = [], [], True
    for r in range(args.repeats):
        threats, elements, arrival = instance(sc, args.seed + r)
        t0 = time.perf_counter()
        alloc = allocate(sc, threats, elements, arrival)
        runs.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        z = pulp_stage1(sc, threats, elements, arrival)
        peer.append(time.perf_counter() - t0)
        agree &= abs(z - alloc.worst_ratio) <= 1e-4 * max(1.0, z)
        proven = all(s.optimal for s in alloc.stages)
        print(
            f"  seed {args.seed + r}: {runs[-1]:.3f} s, worst ratio {alloc.worst_ratio:.4f} (proven: {proven}); "
            f"PuLP/CBC stage 1 {peer[-1]:.3f} s, {z:.4f}"
        )
    med = statistics.median(runs)
    print(
        f"median allocation: {med:.3f} s (target ≤ 1 s: {'met' if med <= 1 else 'NOT met'}); "
        f"PuLP + CBC (stage 1 only) {statistics.median(peer):.3f} s; worst ratios agree: {agree}"
    )


if __name__ == "__main__":
    main()
