"""Response-timelines benchmark: 10,000 trials × 500 response elements × 5 axes, vectorised over trials.

Target: ≤ 2 s (median of 5) on 2 cores for the five axes, build-up curves and percentiles included.
Peer in the same run: the same model as a SimPy discrete-event simulation (entry nodes as PriorityResource),
100 trials, timed per trial; its effect times must equal the vectorised ones on the same draws.

Run: ``.venv/bin/python benchmarks/timeline.py [--repeats 5] [--seed 1]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import simpy
from common import machine_line

from forceplan.scenario.model import MoveMode
from forceplan.scenario.parameters import PARAMETERS
from forceplan.timeline import Element, buildup_curve, simulate_axis
from forceplan.timeline.simulate import curve_quantiles

N_NODES = 4


def elements(seed: int, n: int = 500) -> list[Element]:
    """A seeded mix: 60 % in theatre, 30 % reinforcements through 4 entry nodes, 6 % air, 4 % stockpiles."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        u = rng.random()
        if u < 0.6:
            out.append(
                Element(
                    id=f"e{k}",
                    option="in_theatre",
                    label="",
                    nation=None,
                    power=float(rng.uniform(0.2, 1.5)),
                    draws=("readiness_prep_h",),
                    road_km=float(rng.uniform(50, 900)),
                    speed_kmh=float(rng.choice([25.0, 40.0])),
                    approval_h=float(rng.choice([0, 0, 24, 72])),
                )
            )
        elif u < 0.9:
            out.append(
                Element(
                    id=f"e{k}",
                    option="reinforcements",
                    label="",
                    nation=None,
                    power=float(rng.uniform(0.3, 1.4)),
                    personnel=int(rng.integers(150, 800)),
                    fixed_h=float(rng.choice([2, 5, 10, 30])) * 24,
                    draws=("loading_h", "rsom_h", "gauge_transload_h"),
                    road_km=float(rng.uniform(300, 1100)),
                    speed_kmh=25.0,
                    strategic_km=float(rng.uniform(500, 2500)),
                    strategic_mode=MoveMode.rail,
                    node=int(rng.integers(N_NODES)),
                    priority=float(rng.integers(1, 7)),
                )
            )
        elif u < 0.96:
            out.append(
                Element(
                    id=f"e{k}",
                    option="air_power",
                    label="",
                    nation=None,
                    power=float(rng.uniform(0.5, 3)),
                    draws=("air_alert_h",),
                    fixed_h=float(rng.uniform(0.3, 1.0)),
                )
            )
        else:
            out.append(
                Element(
                    id=f"e{k}",
                    option="stockpile_release",
                    label="",
                    nation=None,
                    power=float(rng.uniform(0.5, 2)),
                    fixed_h=24.0,
                    draws=("stockpile_crew_h",),
                    road_km=float(rng.uniform(100, 800)),
                    speed_kmh=30.0,
                )
            )
    return out


PARAMS = {name: spec.default for name, spec in PARAMETERS.items()}
RATE = np.array([2000.0, 3000.0, 1500.0, 2500.0]) / 24.0


def vectorised(els: list[Element], trials: int, seed: int, axes: int = 5) -> float:
    t0 = time.perf_counter()
    streams = np.random.SeedSequence(seed).spawn(axes)
    for a in range(axes):
        sim = simulate_axis(els, PARAMS, RATE, trials, np.random.default_rng(streams[a]))
        curve_quantiles(buildup_curve(sim, 10.0))
    return time.perf_counter() - t0


def simpy_times(
    els: list[Element], arrive: np.ndarray, after: np.ndarray, node_of: list[int | None], service: np.ndarray
) -> np.ndarray:
    """One trial as a discrete-event simulation: each element a process; nodes are PriorityResources."""
    env = simpy.Environment()
    nodes = [simpy.PriorityResource(env, capacity=1) for _ in range(N_NODES)]
    out = np.zeros(len(els))

    def proc(k: int):
        yield env.timeout(arrive[k])
        n = node_of[k]
        if n is not None:
            with nodes[n].request(priority=-els[k].priority) as req:
                yield req
                yield env.timeout(service[k])
        yield env.timeout(after[k])
        out[k] = env.now

    for k in range(len(els)):
        env.process(proc(k))
    env.run()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    print("timeline benchmark: 10,000 trials × 500 elements × 5 axes (4 entry nodes, priority queues)")
    print(machine_line())
    els = elements(args.seed)
    vectorised(els, 100, 0)  # warm-up
    runs = [vectorised(els, 10_000, args.seed + r) for r in range(args.repeats)]
    med = statistics.median(runs)
    per_trial_vec = med / (10_000 * 5)
    print("  vectorised runs: " + ", ".join(f"{x:.2f} s" for x in runs))
    print(
        f"median vectorised: {med:.2f} s (target ≤ 2 s: {'met' if med <= 2 else 'NOT met'}); "
        f"{per_trial_vec * 1e6:.1f} µs per trial-axis"
    )

    # SimPy peer on the same draws: 100 trials of one axis.
    trials = 100
    sim = simulate_axis(els, PARAMS, RATE, trials, np.random.default_rng(123))
    assert sim.arrive_h is not None and sim.after_h is not None
    node_of = [e.node for e in els]
    service = np.array([e.personnel / RATE[e.node] if e.node is not None else 0.0 for e in els])
    t0 = time.perf_counter()
    worst = 0.0
    for i in range(trials):
        got = simpy_times(els, sim.arrive_h[i], sim.after_h[i], node_of, service)
        worst = max(worst, float(np.max(np.abs(got - sim.times_h[i]))))
    t_simpy = time.perf_counter() - t0
    per_trial_simpy = t_simpy / trials
    print(
        f"SimPy (one axis, {trials} trials): {t_simpy:.2f} s, {per_trial_simpy * 1e3:.2f} ms per trial; "
        f"vectorised {per_trial_vec * 1e6:.1f} µs per trial-axis: ratio {per_trial_simpy / per_trial_vec:,.0f}×"
    )
    print(f"largest difference between SimPy and vectorised effect times: {worst:.2e} h")


if __name__ == "__main__":
    main()
