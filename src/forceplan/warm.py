"""Compile the numba kernels ahead of the first analysis (``forceplan warmup``).

Each kernel is called through its public function with tiny inputs of the same types as a real run, so numba
compiles exactly the signatures the analyses use and caches them on disk (``cache=True``: beside the module, or in
the user's cache folder when the install is read-only)."""

from __future__ import annotations

import numpy as np


def warm_kernels() -> list[str]:
    """Run every kernel once; returns their names."""
    from forceplan.engagement.air import posture_shares
    from forceplan.engagement.engine import run_engine
    from forceplan.timeline.simulate import AxisSim, buildup_curve, curve_quantiles, serve_by_priority

    n = 4
    rng = np.random.default_rng(0)
    ones = np.ones(n)
    times = rng.uniform(1, 50, size=(n, 3))
    power = np.array([1.0, 2.0, 0.5])
    run_engine(ones * 10, ones * 5, ones * 0.02, ones * 0.03, 1.0, 0.0, 2, 1.0, def_times_h=times, def_power=power)
    for parallel in (True, False):  # trials split over the cores, and on the caller's thread (the assessment)
        _warm_battles(rng, ones, times, power, parallel)
    for parallel in (True, False):  # both forms of the posture and queue kernels, as for the battles
        posture_shares(ones * 5, times, power, parallel)
        serve_by_priority(times.astype(np.float32), np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 2.0]), parallel)
    sim = AxisSim(
        times_h=times.astype(np.float32),
        power_base=power,
        waits_h={},
        node_members={},
        scale=ones,
        scaled=np.array([True, False, False]),
    )
    curve_quantiles(buildup_curve(sim, 5.0, hours=24))
    return [
        "battle sequence",
        "attrition",
        "defence posture",
        "entry-node queue",
        "build-up curve",
        "curve quantiles",
    ]


def _warm_battles(
    rng: np.random.Generator, ones: np.ndarray, times: np.ndarray, power: np.ndarray, parallel: bool
) -> None:
    from forceplan.engagement.engine import per_step_schedule, run_battles

    run_battles(
        ones * 10,
        ones * 5,
        ones * 0.02,
        ones * 0.03,
        ones * 0.3,
        ones * 0.3,
        0.6,
        rng,
        2,
        1.0,
        hold=ones * 0.2,
        v_contest_km_per_day=ones * 0.05,
        v_exploit_km_per_day=ones * 10,
        pursuit_days=ones * 5,
        att_add=per_step_schedule([(1.0, 2.0)], 2, 1.0),
        att_scale=ones,
        def_times_h=times,
        def_power=power,
        def_scale=ones,
        def_scaled=np.array([True, False, False]),
        distance_km=10.0,
        record_every_steps=24,
        parallel=parallel,
    )
