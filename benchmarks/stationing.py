"""Stationing benchmark: 300 units, 80 candidate sites, 40 protected sites, 6 axes (seeded).

Target: the three-stage laydown proven optimal, or within a stated gap of at most 0.5 %, in ≤ 5 s (median).
Peers in the same run: (1) the same laydown solved with HiGHS's default options (forceplan before issue 27:
``highs_options={}``), wall and CPU seconds, ratio of medians; (2) pysal spopt's maximal covering location problem
(MCLP, solved with CBC) on the coverage part alone — choose p stations to maximise the priority of protected sites
with a station within the radius — against the same MCLP built with forceplan's HiGHS layer. Prints times and
objective values.

Run: ``.venv/bin/python benchmarks/stationing.py [--repeats 5] [--seed 1]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pulp
import shapely
from common import machine_line

from forceplan.forcegen.result import Assignment, CaseOptions, ForcegenResult, Totals
from forceplan.geo import geodesic_km
from forceplan.geo.contact import read_country
from forceplan.milp import HighsModel
from forceplan.scenario import Scenario, line_of_contact, load_scenario
from forceplan.scenario.io import data_dir
from forceplan.scenario.model import Capability, Caveats, Pledge, Protection, Site, Threat
from forceplan.stationing import station_force

RADIUS_KM = 40.0
CAPS = [  # id, domain, personnel, power, road km/h
    ("mech", "land", 700, 1.0, 25.0),
    ("armd", "land", 550, 1.4, 25.0),
    ("light", "land", 600, 0.6, 40.0),
    ("recce", "land", 250, 0.4, 45.0),
    ("arty", "land", 500, 0.8, 30.0),
    ("gbad", "enabler", 150, 0.3, 40.0),
    ("log", "enabler", 600, 0.0, 40.0),
]


def _points_in(poly, n: int, rng: np.random.Generator) -> list[tuple[float, float]]:
    minx, miny, maxx, maxy = poly.bounds
    out: list[tuple[float, float]] = []
    while len(out) < n:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if poly.contains(shapely.Point(x, y)):
            out.append((round(float(x), 4), round(float(y), 4)))
    return out


def generate(seed: int) -> tuple[Scenario, ForcegenResult]:
    """A seeded instance on the bundled geography, and the matched force (300 units) to station."""
    rng = np.random.default_rng(seed)
    base = load_scenario("ukraine-2025")
    loc = line_of_contact(base)
    controlled = read_country(data_dir() / "geo" / "naturalearth_lowres_europe.geojson", "UKR").difference(
        loc.occupied.buffer(0.05)
    )
    cand = [
        Site(
            id=f"J{j:02d}",
            name=f"station {j}",
            kind="city",
            location=xy,
            country="UKR",
            capacity_personnel=int(rng.integers(800, 6000)),
            station=True,
        )
        for j, xy in enumerate(_points_in(controlled, 80, rng))
    ]
    prot = [
        Site(
            id=f"K{k:02d}",
            name=f"protected {k}",
            kind="npp",
            location=xy,
            country="UKR",
            protection=Protection(
                priority_weight=float(rng.integers(1, 11)),
                radius_km=RADIUS_KM,
                required_combat_power=float(rng.choice([0.5, 1.0, 2.0, 3.0])),
            ),
        )
        for k, xy in enumerate(_points_in(controlled, 40, rng))
    ]
    line = loc.line
    starts = [line.interpolate(float(f), normalized=True) for f in rng.uniform(0.05, 0.95, 6)]
    threats = tuple(
        Threat(
            id=f"A{a}",
            name=f"axis {a}",
            axis={"start": (p.x, p.y), "objective": (p.x - 1.0, p.y)},
            attacker={"initial_combat_power": 30.0},
            defender_combat_power=10.0,
            warning_time_h=12.0,
            weight=float(rng.integers(1, 4)),
        )
        for a, p in enumerate(starts)
    )
    caps = tuple(
        Capability(
            id=c,
            name=c,
            domain=d,
            personnel_per_unit=m,
            combat_power_per_unit=pw,
            road_march_kmh=v,
            strategic_move="rail",
        )
        for c, d, m, pw, v in CAPS
    )
    pledges, assignments, units = [], [], 0
    i = 0
    while units < 300:
        c = CAPS[int(rng.integers(len(CAPS)))]
        n = int(min(rng.integers(1, 5), 300 - units))
        cav = Caveats(
            no_frontline=bool(rng.random() < 0.15),
            standoff_km=float(rng.choice([80.0, 120.0])) if rng.random() < 0.1 else None,
        )
        p = Pledge(
            id=f"P{i:03d}",
            nation="FRA",
            capability=c[0],
            quantity=n,
            personnel_per_unit=c[2],
            notice_to_move_days=10,
            home_base=(2.35, 48.85),
            status="committed",
            caveats=cav,
        )
        pledges.append(p)
        assignments.append(Assignment(pledge=p.id, nation="FRA", slot=f"S{i:03d}", units=n, personnel=n * c[2]))
        units += n
        i += 1
    sc = base.model_copy(
        update={
            "sites": tuple(cand + prot),
            "threats": threats,
            "capabilities": caps,
            "pledges": tuple(pledges),
            "backstop": base.backstop.model_copy(update={"assets": ()}),
        }
    )
    opts = CaseOptions(min_status="offered", without=[], us_backstop=False, max_personnel=10**6, max_nation_share=None)
    zero = Totals(
        personnel_required=0,
        personnel_cap=0,
        personnel_offered=0,
        personnel_matched=0,
        units_required=0,
        units_matched=units,
        fill_fraction=1,
        weighted_fill_fraction=1,
        shortfall_units=0,
        nations_pledging=1,
        nations_contributing=1,
        combat_power_matched=0,
    )
    fg = ForcegenResult(
        scenario=sc.name,
        scenario_digest="-",
        options=opts,
        solve=[],
        optimal=True,
        totals=zero,
        slots=[],
        unused=[],
        readiness=[],
        burden=[],
        lifecycle=[],
        assignments=assignments,
    )
    return sc, fg


def mclp_inputs(sc: Scenario) -> tuple[np.ndarray, np.ndarray]:
    cand = [s for s in sc.sites if s.station]
    prot = [s for s in sc.sites if s.protection is not None]
    c = np.array([s.location for s in cand])
    k = np.array([s.location for s in prot])
    dist = geodesic_km(k[:, None, 0], k[:, None, 1], c[None, :, 0], c[None, :, 1])  # demand × facility
    weights = np.array([s.protection.priority_weight for s in prot if s.protection])
    return dist, weights


def mclp_highs(dist: np.ndarray, weights: np.ndarray, p: int) -> tuple[float, float]:
    """The MCLP with forceplan's HiGHS layer: max Σ w_k z_k, z_k ≤ Σ_{j: d_kj ≤ r} x_j, Σ x_j = p."""
    nk, nj = dist.shape
    m = HighsModel()
    x = m.add_vars(np.zeros(nj), np.ones(nj))
    z = m.add_vars(np.zeros(nk), np.ones(nk))
    m.add_row(x, np.ones(nj), p, p)
    for k in range(nk):
        near = x[dist[k] <= RADIUS_KM]
        m.add_row(np.concatenate([[z[k]], near]), np.concatenate([[1.0], -np.ones(len(near))]), -np.inf, 0.0)
    cost = np.zeros(m.n)
    cost[z] = weights
    t0 = time.perf_counter()
    info, _ = m.solve("mclp", cost, "max")
    return time.perf_counter() - t0, float(info.objective or 0.0)


def mclp_spopt(dist: np.ndarray, weights: np.ndarray, p: int) -> tuple[float, float]:
    from spopt.locate import MCLP

    t0 = time.perf_counter()
    model = MCLP.from_cost_matrix(dist, weights, service_radius=RADIUS_KM, p_facilities=p)
    model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    elapsed = time.perf_counter() - t0
    covered = sum(weights[i] for i, fac in enumerate(model.cli2fac) if fac)
    return elapsed, float(covered)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--gap", type=float, default=0.005, help="relative gap accepted in the reach stage")
    args = ap.parse_args()
    print(f"stationing benchmark: 300 units, 80 candidate sites, 40 protected sites, 6 axes; reach gap {args.gap:g}")
    print(machine_line())
    full, full_cpu, dflt, dflt_cpu, ours, peer = [], [], [], [], [], []
    for r in range(args.repeats):
        seed = args.seed + r
        sc, fg = generate(seed)
        t0, c0 = time.perf_counter(), time.process_time()
        res = station_force(sc, fg, rel_gap=args.gap)
        full.append(time.perf_counter() - t0)
        full_cpu.append(time.process_time() - c0)
        t0, c0 = time.perf_counter(), time.process_time()
        res_d = station_force(sc, fg, rel_gap=args.gap, highs_options={})
        dflt.append(time.perf_counter() - t0)
        dflt_cpu.append(time.process_time() - c0)
        same = [s.objective for s in res.solve[:2]] == [s.objective for s in res_d.solve[:2]]
        stages = "; ".join(f"{s.stage} {s.status}" + (f" gap {100 * s.gap:.2f} %" if s.gap else "") for s in res.solve)
        p = max(1, len(res.garrisons))
        dist, weights = mclp_inputs(sc)
        t_h, obj_h = mclp_highs(dist, weights, p)
        t_s, obj_s = mclp_spopt(dist, weights, p)
        ours.append(t_h)
        peer.append(t_s)
        covered = sum(c.covered for c in res.coverage)
        reach, reach_d = res.solve[-1], res_d.solve[-1]
        print(
            f"  seed {seed}: laydown {full[-1]:.2f} s, CPU {full_cpu[-1]:.2f} s ({stages}); "
            f"reach {reach.objective:.1f} (bound {reach.bound:.1f}); HiGHS defaults {dflt[-1]:.2f} s, "
            f"CPU {dflt_cpu[-1]:.2f} s, reach {reach_d.objective:.1f} (bound {reach_d.bound:.1f}), "
            f"placed and coverage {'equal' if same else 'DIFFER'}; "
            f"placed {res.units_placed}/{res.units_total}, covered {covered}/40; MCLP p={p}: HiGHS {t_h:.3f} s obj "
            f"{obj_h:g}, spopt+CBC {t_s:.3f} s obj {obj_s:g}"
        )
    mf, mo, mp = statistics.median(full), statistics.median(ours), statistics.median(peer)
    mfc, md, mdc = statistics.median(full_cpu), statistics.median(dflt), statistics.median(dflt_cpu)
    print(
        f"median laydown (three stages): {mf:.2f} s, CPU {mfc:.2f} s (target ≤ 5 s: {'met' if mf <= 5 else 'NOT met'})"
    )
    print(
        f"median laydown with HiGHS defaults: {md:.2f} s, CPU {mdc:.2f} s; "
        f"ratio {md / mf:.2f}x wall, {mdc / mfc:.2f}x CPU"
    )
    print(f"median MCLP, coverage part alone: forceplan/HiGHS {mo:.3f} s, spopt/CBC {mp:.3f} s; ratio {mp / mo:.1f}x")


if __name__ == "__main__":
    main()
