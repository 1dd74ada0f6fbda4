"""Engagement benchmark: 100,000 trials × 720 hourly steps (30 days) on one axis: the battle-sequence engine (square
law, battles decided by competing hazards at the CDB90 odds, calibration drawn per trial, pursuit, culmination with
holding-rate attrition, 5 air elements attacking the attacker, 2 strike elements on its arriving echelons) with
every per-trial draw that ``assess`` makes.

Target: ≤ 2 s median on 2 cores; reports trial-steps per second. Peers in the same run: the previous engine
(breakpoints and an advance ramp, ``run_engine``) on the same inputs, and that previous model as a plain
Python loop per trial (200 trials, scaled), ``scipy.integrate.solve_ivp`` per trial (square law with the same
reinforcements; 50 trials, scaled) and the ``jomini`` package's SquareLaw (a published Lanchester library; it
applies constant casualty rates from the initial strengths, so it is timed, not compared for accuracy).

Run: ``.venv/bin/python benchmarks/engagement.py [--repeats 5] [--seed 1]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import numba
import numpy as np
from common import machine_line
from jomini.Lanchester import Battle, SquareLaw
from scipy.integrate import solve_ivp

from forceplan.engagement import per_step_schedule, run_engine
from forceplan.engagement.calibrate import default_success_fit
from forceplan.engagement.engine import run_battles

N, DAYS, DT = 100_000, 30, 1.0
STEPS = int(DAYS * 24 / DT)
ARRIVALS = [(2.0, 10.0), (5.0, 15.0)]


def draws(seed: int, n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "k_att": rng.triangular(0.0033, 0.0185, 0.0879, n),
        "k_def": rng.triangular(0.0082, 0.0306, 0.148, n),
        "bp_att": rng.triangular(0.735, 0.88, 0.949, n),
        "bp_def": rng.triangular(0.622, 0.8, 0.912, n),
        "v": rng.triangular(0.5, 1.0, 1.5, n),
        "scale": rng.triangular(0.8, 1.0, 1.2, n),
        "def_times": rng.uniform(20, 400, size=(n, 40)),
        "hold": rng.triangular(0.1, 0.2, 0.33, n),
        "v_contest": rng.triangular(0.031, 0.05, 0.154, n),
        "v_exploit": rng.triangular(4.0, 10.0, 30.0, n),
        "pursuit": rng.triangular(2.0, 5.0, 8.0, n),
        "air_times": rng.uniform(10, 80, size=(n, 5)),
        "air_scale": rng.triangular(0.002, 0.01, 0.03, n) * rng.triangular(0.6, 0.7, 0.8, n),
        "fire_times": rng.uniform(20, 60, size=(n, 2)),
        "fire_scale": rng.triangular(0.005, 0.02, 0.05, n),
    }


def battles(d: dict[str, np.ndarray], seed: int) -> float:
    """The engine ``assess`` runs, with the calibration drawn per trial (included in the time)."""
    n = len(d["k_att"])
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    b0, b1 = default_success_fit().draw(n, rng)
    run_battles(
        np.full(n, 40.0),
        np.full(n, 20.0),
        d["k_att"],
        d["k_def"],
        b0,
        b1,
        0.618,
        rng,
        DAYS,
        DT,
        hold=d["hold"],
        v_contest_km_per_day=d["v_contest"],
        v_exploit_km_per_day=d["v_exploit"],
        pursuit_days=d["pursuit"],
        att_add=ATT_ADD,
        att_scale=d["scale"],
        def_times_h=d["def_times"],
        def_power=DEF_POWER,
        air_times_h=d["air_times"],
        air_rate_per_day=np.array([50.0, 40.0, 60.0, 30.0, 45.0]),
        air_scale=d["air_scale"],
        fire_times_h=d["fire_times"],
        fire_rate_per_day=np.array([24.0, 12.0]),
        fire_cap=np.array([48.0, 48.0]),
        fire_scale=d["fire_scale"],
        distance_km=60.0,
        record_every_steps=24,
    )
    return time.perf_counter() - t0


DEF_POWER = np.linspace(0.3, 1.4, 40)
ATT_ADD = per_step_schedule(ARRIVALS, DAYS, DT)


@numba.njit(cache=True, parallel=True)
def _minimal(a0, d0, k_att, k_def, hold, v, clock, u, air, decay, dt_h, steps):  # type: ignore[no-untyped-def]
    """The battle kernel's per-step arithmetic and nothing else (square-law attrition, an air effect that decays,
    one battle clock decided on the strengths, advance; no schedules, fires, records, pursuit or second battle):
    the pace limit of the loop."""
    n = a0.shape[0]
    x_end = np.zeros(n)
    dt_d = dt_h / 24.0
    for i in numba.prange(n):
        a, d, x, cum, air_now, phase = a0[i], d0[i], 0.0, 0.0, air[i], 0
        for _s in range(steps):
            factor = hold[i] if phase == 2 else 1.0
            air_hit = air_now * dt_d if phase <= 1 else 0.0
            air_now *= decay[i]
            dloss = min(factor * k_att[i] * a * dt_d, d)
            aloss = min(factor * k_def[i] * d * dt_d + air_hit, a)
            a = max(a - aloss, 0.0)
            d = max(d - dloss, 0.0)
            cum += 0.618 * dt_d
            if phase == 0 and cum >= clock[i]:
                phase = 1 if u[i] * (a + d) < a else 2  # the odds from the strengths, as the engine's
            if phase <= 1:
                x += v[i] * dt_h
        x_end[i] = x + a - d  # every state variable reaches the output: none of the arithmetic can be dropped
    return x_end


def minimal(d: dict[str, np.ndarray], seed: int) -> float:
    n = len(d["k_att"])
    rng = np.random.default_rng(seed)
    clock, u = rng.exponential(1.0, n), rng.random(n)
    t0 = time.perf_counter()
    _minimal(
        np.full(n, 40.0),
        np.full(n, 20.0),
        d["k_att"],
        d["k_def"],
        d["hold"],
        d["v_contest"] / 24.0,
        clock,
        u,
        d["air_scale"] * 50.0,
        np.full(n, 0.999),
        DT,
        STEPS,
    )
    return time.perf_counter() - t0


def vectorised(d: dict[str, np.ndarray]) -> float:
    n = len(d["k_att"])
    t0 = time.perf_counter()
    run_engine(
        np.full(n, 40.0),
        np.full(n, 20.0),
        d["k_att"],
        d["k_def"],
        1.0,
        0.0,
        DAYS,
        DT,
        att_add=ATT_ADD,
        att_scale=d["scale"],
        def_times_h=d["def_times"],
        def_power=DEF_POWER,
        bp_att=d["bp_att"],
        bp_def=d["bp_def"],
        v_max_kmh=d["v"],
        r_min=0.795,
        r_full=5.8,
        distance_km=60.0,
        record_every_steps=24,
    )
    return time.perf_counter() - t0


def python_trial(d: dict[str, np.ndarray], i: int) -> tuple[bool, float]:
    """The same model, one trial, plain Python."""
    extra = [0.0] * (STEPS + 1)
    dd = 20.0
    for t, w in zip(d["def_times"][i], DEF_POWER, strict=True):
        s = int(np.ceil(t / DT)) - 1
        if s < STEPS:
            extra[s] += w
    a, peak_a, peak_d, x = 40.0, 40.0, dd, 0.0
    culm = broke = False
    for s in range(STEPS):
        ratio = a / dd if dd > 0 else float("inf")
        dl = min(d["k_att"][i] * a * DT / 24, dd)
        al = min(d["k_def"][i] * dd * DT / 24, a)
        a = max(0.0, a - al + ATT_ADD[s] * d["scale"][i])
        dd = max(0.0, dd - dl + extra[s])
        peak_a, peak_d = max(peak_a, a), max(peak_d, dd)
        culm = culm or a < d["bp_att"][i] * peak_a
        broke = broke or dd < d["bp_def"][i] * peak_d
        if not culm:
            v = d["v"][i] if broke else d["v"][i] * min(max((ratio - 0.795) / (5.8 - 0.795), 0.0), 1.0)
            x += v * DT
            if x >= 60.0:
                return True, (s + 1) * DT
    return False, float("inf")


def ivp_trial(d: dict[str, np.ndarray], i: int) -> None:
    ka, kd, sc = d["k_att"][i], d["k_def"][i], d["scale"][i]

    def rate(t: float, y: np.ndarray) -> list[float]:
        add = {2: 10.0, 5: 15.0}.get(int(t), 0.0) * sc
        return [-kd * max(y[1], 0) + add, -ka * max(y[0], 0)]

    solve_ivp(rate, (0, DAYS), [40.0, 20.0], max_step=DT / 24, t_eval=np.arange(DAYS + 1.0))


def assessment(repeats: int) -> None:
    """The bundled scenario's assessment (5 threats × 22 sensitivity cases and the combined offensive: 113
    engagements of 6,000 trials) with its inputs planned beforehand: threats on threads, each engagement's trials
    on the calling thread (the default), against one thread of threats whose every engagement splits its trials
    over the cores (as before issue 27)."""
    from forceplan.engagement import assess as A
    from forceplan.forcegen import Options, match_force
    from forceplan.scenario import load_scenario
    from forceplan.stationing import station_force
    from forceplan.timeline.run import guard_plans, respond

    sc = load_scenario("ukraine-2025")
    opts = Options()
    fg = match_force(sc, opts)
    lay = station_force(sc, fg)
    bs = opts.backstop_case(sc)
    bs_fg = match_force(sc, bs) if bs else None
    backstop = (bs_fg, station_force(sc, bs_fg)) if bs_fg else None
    guards = guard_plans(sc, fg, lay, opts, None)
    workers = A._workers
    times: dict[str, list[float]] = {"threads": [], "one thread": [], "response": []}
    for _ in range(repeats):
        for label, w in (("threads", workers), ("one thread", lambda jobs: 1)):
            A._workers = w  # type: ignore[assignment]
            t0 = time.perf_counter()
            A.assess(sc, fg=fg, laydown=lay, guards=guards, plan_force=lambda o: backstop)  # type: ignore[arg-type, return-value]
            times[label].append(time.perf_counter() - t0)
        A._workers = workers
        t0 = time.perf_counter()
        respond(sc, None, 2000, 0, opts=opts, fg=fg, laydown=lay, guards=guards)
        times["response"].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(
        f"the bundled assessment (113 engagements × 6,000 trials), median of {repeats}: threats on threads "
        f"{med['threads']:.2f} s; one thread, trials split over the cores {med['one thread']:.2f} s "
        f"(threads ÷ one thread: {med['threads'] / med['one thread']:.2f}×); the response timelines of the same "
        f"force {med['response']:.2f} s (assessment ÷ response: {med['threads'] / med['response']:.1f}×)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-assessment", action="store_true", help="skip the bundled scenario's assessment")
    args = ap.parse_args()
    print(f"engagement benchmark: {N:,} trials × {STEPS} hourly steps, one axis, battle-sequence engine")
    print(machine_line())
    vectorised(draws(0, 100))  # compile (numba caches to disk)
    battles(draws(0, 100), 0)
    minimal(draws(0, 100), 0)
    runs, prev, limit = [], [], []
    for r in range(args.repeats):
        d_r = draws(args.seed + r, N)
        runs.append(battles(d_r, args.seed + r))
        prev.append(vectorised(d_r))
        limit.append(minimal(d_r, args.seed + r))
    med = statistics.median(runs)
    med_prev = statistics.median(prev)
    rate_vec = N * STEPS / med
    print("  runs: " + ", ".join(f"{x:.2f} s" for x in runs))
    print(
        f"median: {med:.2f} s (target ≤ 2 s: {'met' if med <= 2 else 'NOT met'}); "
        f"{rate_vec / 1e6:.0f} million trial-steps per second"
    )
    print(
        f"previous engine (breakpoints, advance ramp) on the same inputs: median {med_prev:.2f} s; "
        f"new ÷ previous: {med / med_prev:.2f}×"
    )
    med_lim = statistics.median(limit)
    print(
        f"the limit: a minimal numba loop of the same per-step arithmetic (no schedules, strikes, records): "
        f"median {med_lim:.2f} s, {N * STEPS / med_lim / 1e6:.0f} million trial-steps per second; "
        f"engine ÷ limit: {med / med_lim:.2f}×"
    )
    d = draws(args.seed, 200)
    t0 = time.perf_counter()
    for i in range(200):
        python_trial(d, i)
    py = (time.perf_counter() - t0) / 200 * N
    t0 = time.perf_counter()
    for i in range(50):
        ivp_trial(d, i)
    ivp = (time.perf_counter() - t0) / 50 * N
    t0 = time.perf_counter()
    for i in range(2000):
        SquareLaw(
            Battle(red=40, blue=20, rho=float(d["k_att"][i % 200]), beta=float(d["k_def"][i % 200]))
        ).get_remaining(time=DAYS)
    jom = (time.perf_counter() - t0) / 2000 * N
    print(f"plain Python loop (previous model): {py:.0f} s for {N:,} trials (scaled from 200): ratio {py / med:,.0f}×")
    print(f"scipy solve_ivp per trial (attrition only): {ivp:.0f} s (scaled from 50): ratio {ivp / med:,.0f}×")
    print(
        f"jomini SquareLaw (closed-form constant rates, no advance): {jom:.2f} s (scaled from 2,000): "
        f"ratio {jom / med:.2f}×"
    )
    if not args.no_assessment:
        assessment(args.repeats)


if __name__ == "__main__":
    main()
