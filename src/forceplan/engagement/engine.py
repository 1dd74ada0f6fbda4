r"""The combat engine: generalised Lanchester attrition with advance, culmination and breakpoints.

State per trial: attacker strength A, defender strength D (combat-power units), penetration x (km). Explicit
Euler in steps of ``dt_hours`` (time in days in the rates):

    defender losses per day = k_A · A^p · D^q          attacker losses per day = k_D · D^p · A^q
    square: p = 1, q = 0;  linear: p = 1, q = 1;  logarithmic: p = 0, q = 1

Reinforcements are added after each step's attrition; strengths never go below 0.
Advance: v = v_max · clip((A/D − r_min) / (r_full − r_min), 0, 1) km/h; the attacker culminates (stops for
good) when A < b_A · max(A so far); the defender breaks when D < b_D · max(D so far), after which v = v_max.
The objective is reached when x ≥ the distance to it. Every trial is independent (numba, parallel over trials).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from numpy.typing import NDArray

LAWS = {"square": (1.0, 0.0), "linear": (1.0, 1.0), "logarithmic": (0.0, 1.0)}


@dataclass(frozen=True)
class Outcome:
    """Per-trial results (arrays of length trials) and recorded trajectories (trials × records)."""

    reached: NDArray[np.bool_]
    time_to_objective_h: NDArray[np.float64]
    """inf where the objective was not reached."""
    attacker_losses: NDArray[np.float64]
    """Up to the objective if reached, else to the end."""
    defender_losses: NDArray[np.float64]
    attacker_end: NDArray[np.float64]
    defender_end: NDArray[np.float64]
    penetration_km: NDArray[np.float64]
    culminated_h: NDArray[np.float64]
    broken_h: NDArray[np.float64]
    record_h: NDArray[np.float64]
    attacker_path: NDArray[np.float64]
    defender_path: NDArray[np.float64]
    penetration_path: NDArray[np.float64]


@numba.njit(cache=True)
def _arrivals(i, d_start, def_times, def_power, def_scale, def_scaled, dt_h, steps):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Trial i's defender arrivals binned by step: an arrival at time t joins at the end of the step that contains
    t; arrivals before the attack are there from the start. Returns (strength at the start, additions per step)."""
    extra = np.zeros(steps + 1)
    return _arrivals_into(extra, i, d_start, def_times, def_power, def_scale, def_scaled, dt_h, steps), extra


@numba.njit(cache=True)
def _arrivals_into(extra, i, d_start, def_times, def_power, def_scale, def_scaled, dt_h, steps):  # type: ignore[no-untyped-def]  # pragma: no cover
    """:func:`_arrivals` adding into ``extra`` (all zeros on entry); returns the strength at the start."""
    start_d = d_start
    for e in range(def_times.shape[1]):
        t = def_times[i, e]
        if not np.isfinite(t):
            continue
        w = def_power[e] * (def_scale[i] if def_scaled[e] else 1.0)
        if t <= 0.0:
            start_d += w
        else:
            s = int(np.ceil(t / dt_h)) - 1
            if s < steps:
                extra[s] += w
    return start_d


@numba.njit(cache=True)
def _clear_bins(buf, times, i, dt_h, steps):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Zero the bins trial i's arrivals (``times`` row i) were added into, leaving ``buf`` all zeros again."""
    for e in range(times.shape[1]):
        t = times[i, e]
        if np.isfinite(t):
            s = max(int(np.ceil(t / dt_h)) - 1, 0)
            if s < steps:
                buf[s] = 0.0


@numba.njit(cache=True, parallel=True)
def _kernel(  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    a0,
    d0,
    k_att,
    k_def,
    p,
    q,
    att_add,
    att_scale,
    def_add,
    def_times,
    def_power,
    def_scale,
    def_scaled,
    bp_att,
    bp_def,
    v_max,
    r_min,
    r_full,
    distance_km,
    dt_h,
    steps,
    stride,
):
    n = a0.shape[0]
    n_rec = steps // stride + 1
    reached = np.zeros(n, dtype=np.bool_)
    t_obj = np.full(n, np.inf)
    loss_a = np.zeros(n)
    loss_d = np.zeros(n)
    a_end = np.zeros(n)
    d_end = np.zeros(n)
    x_end = np.zeros(n)
    t_culm = np.full(n, np.inf)
    t_break = np.full(n, np.inf)
    path_a = np.zeros((n, n_rec))
    path_d = np.zeros((n, n_rec))
    path_x = np.zeros((n, n_rec))
    dt_d = dt_h / 24.0
    for i in numba.prange(n):
        start_d, extra = _arrivals(i, d0[i], def_times, def_power, def_scale, def_scaled, dt_h, steps)
        a = a0[i]
        d = start_d
        peak_a = a
        peak_d = d
        x = 0.0
        culm = False
        broke = False
        la = 0.0
        ld = 0.0
        done = False
        path_a[i, 0] = a
        path_d[i, 0] = d
        for s in range(steps):
            if a > 0.0 and d > 0.0:
                ratio = a / d
            elif a > 0.0:
                ratio = np.inf
            else:
                ratio = 0.0
            dloss = k_att[i] * a**p * d**q * dt_d
            aloss = k_def[i] * d**p * a**q * dt_d
            dloss = min(dloss, d)
            aloss = min(aloss, a)
            if not done:
                la += aloss
                ld += dloss
            a = a - aloss + att_add[s] * att_scale[i]
            d = d - dloss + def_add[s] + extra[s]
            if a < 0.0:
                a = 0.0
            if d < 0.0:
                d = 0.0
            peak_a = max(peak_a, a)
            peak_d = max(peak_d, d)
            t_now = (s + 1) * dt_h
            if not culm and peak_a > 0.0 and a < bp_att[i] * peak_a:
                culm = True
                t_culm[i] = t_now
            if not broke and peak_d > 0.0 and d < bp_def[i] * peak_d:
                broke = True
                t_break[i] = t_now
            if distance_km > 0.0 and not culm and not done:
                if broke:
                    v = v_max[i]
                else:
                    frac = (ratio - r_min) / (r_full - r_min)
                    v = v_max[i] * min(max(frac, 0.0), 1.0)
                x += v * dt_h
                if x >= distance_km:
                    x = distance_km
                    done = True
                    reached[i] = True
                    t_obj[i] = t_now
            if (s + 1) % stride == 0:
                r = (s + 1) // stride
                path_a[i, r] = a
                path_d[i, r] = d
                path_x[i, r] = x
        loss_a[i] = la
        loss_d[i] = ld
        a_end[i] = a
        d_end[i] = d
        x_end[i] = x
    return reached, t_obj, loss_a, loss_d, a_end, d_end, x_end, t_culm, t_break, path_a, path_d, path_x


OUTCOME_FIELDS = (
    "reached",
    "time_to_objective_h",
    "attacker_losses",
    "defender_losses",
    "attacker_end",
    "defender_end",
    "penetration_km",
    "culminated_h",
    "broken_h",
    "attacker_path",
    "defender_path",
    "penetration_path",
)
"""The kernels' results, in the order they return them."""


def _defender_args(
    n: int,
    times_h: NDArray[np.float64] | None,
    power: NDArray[np.float64] | None,
    scale: NDArray[np.float64] | None,
    scaled: NDArray[np.bool_] | None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """The defender's arrivals as the kernels take them (empty when none are given)."""
    return (
        np.zeros((n, 0)) if times_h is None else np.ascontiguousarray(times_h, dtype=float),
        np.zeros(0) if power is None else np.asarray(power, float),
        np.ones(n) if scale is None else np.asarray(scale, float),
        np.zeros(0 if power is None else len(power), dtype=np.bool_)
        if scaled is None
        else np.asarray(scaled, dtype=np.bool_),
    )


def _record_hours(steps: int, record_every_steps: int, dt_h: float) -> NDArray[np.float64]:
    stride = max(1, int(record_every_steps))
    return np.arange(steps // stride + 1, dtype=np.float64) * float(stride * dt_h)


def per_step_schedule(arrivals: list[tuple[float, float]], days: float, dt_h: float) -> NDArray[np.float64]:
    """Per-step additions for reinforcements given as (day, amount): each amount arrives spread evenly over
    that day [day, day + 1)."""
    steps = round(days * 24.0 / dt_h)
    out = np.zeros(steps)
    t_end = (np.arange(steps) + 1) * dt_h / 24.0  # end of each step, days
    t_start = t_end - dt_h / 24.0
    for day, amount in arrivals:
        overlap = np.clip(np.minimum(t_end, day + 1.0) - np.maximum(t_start, day), 0.0, None)
        out += amount * overlap
    return out


def run_engine(
    a0: NDArray[np.float64],
    d0: NDArray[np.float64],
    k_att: NDArray[np.float64],
    k_def: NDArray[np.float64],
    p: float,
    q: float,
    days: float,
    dt_h: float = 1.0,
    att_add: NDArray[np.float64] | None = None,
    att_scale: NDArray[np.float64] | None = None,
    def_add: NDArray[np.float64] | None = None,
    def_times_h: NDArray[np.float64] | None = None,
    def_power: NDArray[np.float64] | None = None,
    def_scale: NDArray[np.float64] | None = None,
    def_scaled: NDArray[np.bool_] | None = None,
    bp_att: NDArray[np.float64] | None = None,
    bp_def: NDArray[np.float64] | None = None,
    v_max_kmh: NDArray[np.float64] | None = None,
    r_min: float = 1.0,
    r_full: float = 3.0,
    distance_km: float = 0.0,
    record_every_steps: int = 1,
) -> Outcome:
    """Run every trial. Per-trial arrays have the length of ``a0``; a breakpoint of 0 never triggers."""
    n = len(a0)
    steps = round(days * 24.0 / dt_h)
    if r_full <= r_min:
        raise ValueError("r_full must be greater than r_min")
    zeros, ones = np.zeros(n), np.ones(n)
    res = _kernel(
        np.asarray(a0, float),
        np.asarray(d0, float),
        np.asarray(k_att, float),
        np.asarray(k_def, float),
        float(p),
        float(q),
        np.zeros(steps) if att_add is None else np.asarray(att_add, float),
        ones if att_scale is None else np.asarray(att_scale, float),
        np.zeros(steps) if def_add is None else np.asarray(def_add, float),
        *_defender_args(n, def_times_h, def_power, def_scale, def_scaled),
        zeros if bp_att is None else np.asarray(bp_att, float),
        zeros if bp_def is None else np.asarray(bp_def, float),
        zeros if v_max_kmh is None else np.asarray(v_max_kmh, float),
        float(r_min),
        float(r_full),
        float(distance_km),
        float(dt_h),
        steps,
        max(1, int(record_every_steps)),
    )
    return Outcome(
        record_h=_record_hours(steps, record_every_steps, dt_h), **dict(zip(OUTCOME_FIELDS, res, strict=True))
    )


# ---------------------------------------------------------------------------------------------- battle sequence

MAX_BATTLES = 64
"""Battle clocks drawn per trial; a trial that fights more battles than this reuses them cyclically."""


@dataclass(frozen=True)
class BattleOutcome(Outcome):
    """Per-trial results of :func:`run_battles`; ``broken_h`` is the first defeat of the defence."""

    battles_won: NDArray[np.int64]


@numba.njit(cache=True)
def _battle_outputs(n, n_rec):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    return (
        np.zeros(n, dtype=np.bool_),
        np.full(n, np.inf),
        np.zeros(n),
        np.zeros(n),
        np.zeros(n),
        np.zeros(n),
        np.zeros(n),
        np.full(n, np.inf),
        np.full(n, np.inf),
        np.zeros((n, n_rec)),
        np.zeros((n, n_rec)),
        np.zeros((n, n_rec)),
        np.zeros(n, dtype=np.int64),
    )


@numba.njit(cache=True)
def _battle_trial(i, inputs, outputs, extra, air_add):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """Trial i of the battle sequence: reads ``inputs``, writes row i of ``outputs`` (trials are independent).
    ``extra`` and ``air_add``: scratch bins of steps + 1, all zeros on entry and on return."""
    (
        a0,
        d0,
        k_att,
        k_def,
        hold,
        b0,
        b0_later,
        b1,
        ln_lo,
        ln_hi,
        hazard_per_day,
        clock,
        draw_u,
        v_contest,
        v_exploit,
        pursuit_h,
        att_add,
        att_scale,
        def_times,
        def_power,
        def_scale,
        def_scaled,
        air_times,
        air_rate,
        air_scale,
        air_decay,
        fire_times,
        fire_rate,
        fire_cap,
        fire_scale,
        distance_km,
        dt_h,
        steps,
        stride,
        single,
        stop_when_decided,
    ) = inputs
    reached, t_obj, loss_a, loss_d, a_end, d_end, x_end, t_culm, t_break, path_a, path_d, path_x, won = outputs
    max_b = clock.shape[1]
    n_air = air_times.shape[1]
    n_fire = fire_times.shape[1]
    dt_d = dt_h / 24.0
    start_d = _arrivals_into(extra, i, d0[i], def_times, def_power, def_scale, def_scaled, dt_h, steps)
    # Air attack: each element's attrition rate (battalion-equivalents a day) from the step it arrives.
    for e in range(n_air):
        t = air_times[i, e]
        if np.isfinite(t):
            s_air = max(int(np.ceil(t / dt_h)) - 1, 0)
            if s_air < steps:
                air_add[s_air] += air_rate[i, e] * air_scale[i]
    air_now = 0.0
    fire_left = np.empty(n_fire)
    for e in range(n_fire):
        fire_left[e] = fire_cap[e] * fire_scale[i]
    pool = 0.0  # combat power the strikes have destroyed in the staging areas, not yet arrived
    a = a0[i]
    d = start_d
    x = 0.0
    phase = 0  # 0 battle, 1 pursuit, 2 culminated, 3 over (objective reached, or decided in single mode)
    cum = 0.0
    j = 0
    pursuit_end = 0.0
    la = 0.0
    ld = 0.0
    path_a[i, 0] = a
    path_d[i, 0] = d
    rec_left = stride  # steps to the next recorded point (a countdown: no division in the step loop)
    r = 0
    # This trial's inputs in locals: the step loop then reads no array but the per-step schedules.
    hold_i, k_att_i, k_def_i, att_scale_i, fire_scale_i = hold[i], k_att[i], k_def[i], att_scale[i], fire_scale[i]
    decay_i = max(1.0 - air_decay[i] * dt_d, 0.0)
    hazard_step = hazard_per_day * dt_d
    step_contest, step_exploit = v_contest[i] * dt_h, v_exploit[i] * dt_h
    clock_j = clock[i, 0]
    for s in range(steps):
        if stop_when_decided and phase >= 2:
            break  # culminated or arrived: whether the objective is reached can no longer change
        t_now = (s + 1) * dt_h
        factor = hold_i if phase == 2 else 1.0
        air_now += air_add[s]
        # Air attacks only an attacker that is still attacking (battle or pursuit): once it has culminated it
        # digs in, disperses and sits under its own air defence, and the sorties go elsewhere. While they fly,
        # ground-based air defence shoots down a share of the aircraft: the effect decays at air_decay a day.
        flying = phase <= 1 and air_now > 0.0
        air_hit = air_now * dt_d if flying else 0.0
        if flying:
            air_now *= decay_i
        dloss = min(factor * k_att_i * a * dt_d, d)
        aloss = min(factor * k_def_i * d * dt_d + air_hit, a)
        if phase != 3:
            la += aloss
            ld += dloss
        for e in range(n_fire):
            if fire_left[e] > 0.0 and t_now > fire_times[i, e]:
                hit = min(fire_rate[e] * fire_scale_i * dt_d, fire_left[e])
                fire_left[e] -= hit
                pool += hit
        arriving = att_add[s] * att_scale_i
        if arriving > 0.0 and pool > 0.0:
            struck = min(pool, arriving)
            arriving -= struck
            pool -= struck
        a = max(a - aloss + arriving, 0.0)
        d = max(d - dloss + extra[s], 0.0)
        if phase == 0:
            cum += hazard_step
            if a <= 0.0:
                phase = 2
                t_culm[i] = t_now
            elif cum >= clock_j:
                # Battles are decided only when their clock runs out, never earlier (even against a defence
                # worn to nothing), so that two cases share every event time: exact common random numbers.
                # The first battle is fought at the line held since the ceasefire, later ones at a re-formed
                # defence (intercepts b0, b0_later); ln(force ratio) is held inside the range of the battles
                # the odds were fitted on [ln_lo, ln_hi]: no extrapolation beyond the data.
                icpt = b0[i] if j == 0 else b0_later[i]
                p_break = 1.0
                if d > 0.0:
                    lr = min(max(np.log(a / d), ln_lo), ln_hi)
                    p_break = 1.0 / (1.0 + np.exp(-(icpt + b1[i] * lr)))
                if draw_u[i, j % max_b] < p_break:
                    won[i] += 1
                    if not np.isfinite(t_break[i]):
                        t_break[i] = t_now
                    phase = 3 if single else 1
                    pursuit_end = t_now + pursuit_h[i]
                else:
                    phase = 2
                    t_culm[i] = t_now
                j += 1
                clock_j = clock[i, j % max_b]
                cum = 0.0
            if phase == 0 or phase == 1:
                x += step_contest if phase == 0 else step_exploit
        elif phase == 1:
            x += step_exploit
            if t_now >= pursuit_end:
                phase = 0  # the defence re-forms with what it has: a new battle
        if phase <= 1 and distance_km > 0.0 and x >= distance_km:
            x = distance_km
            phase = 3
            reached[i] = True
            t_obj[i] = t_now
        rec_left -= 1
        if rec_left == 0:
            rec_left = stride
            r += 1
            path_a[i, r] = a
            path_d[i, r] = d
            path_x[i, r] = x
    loss_a[i] = la
    loss_d[i] = ld
    a_end[i] = a
    d_end[i] = d
    x_end[i] = x
    _clear_bins(extra, def_times, i, dt_h, steps)
    _clear_bins(air_add, air_times, i, dt_h, steps)


@numba.njit(cache=True, parallel=True)
def _battle_kernel(inputs, n, n_rec, chunks):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """Every trial, in ``chunks`` blocks of consecutive trials split over the cores (scratch bins per block)."""
    outputs = _battle_outputs(n, n_rec)
    steps = inputs[32]
    size = -(-n // chunks)
    for c in numba.prange(chunks):
        extra, air_add = np.zeros(steps + 1), np.zeros(steps + 1)
        for i in range(c * size, min(n, (c + 1) * size)):
            _battle_trial(i, inputs, outputs, extra, air_add)
    return outputs


@numba.njit(cache=True, nogil=True)
def _battle_kernel_serial(inputs, n, n_rec):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """Every trial on this thread, without the interpreter lock: for callers that run several engagements at once
    on threads of their own."""
    outputs = _battle_outputs(n, n_rec)
    steps = inputs[32]
    extra, air_add = np.zeros(steps + 1), np.zeros(steps + 1)
    for i in range(n):
        _battle_trial(i, inputs, outputs, extra, air_add)
    return outputs


def draw_battles(rng: np.random.Generator, n: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The battle clocks (Exp(1)) and outcome numbers (U(0, 1)) of ``n`` trials, ``MAX_BATTLES`` each, in the
    order :func:`run_battles` draws them from its ``rng``."""
    return rng.exponential(1.0, size=(n, MAX_BATTLES)), rng.random(size=(n, MAX_BATTLES))


def _per_trial(n: int, rate: NDArray[np.float64] | None) -> NDArray[np.float64]:
    """Air rates as trials × elements: one row per trial, or one row for all trials."""
    if rate is None:
        return np.zeros((n, 0))
    r = np.asarray(rate, float)
    return np.ascontiguousarray(np.broadcast_to(r, (n, r.shape[-1])) if r.ndim == 1 else r)


def run_battles(
    a0: NDArray[np.float64],
    d0: NDArray[np.float64],
    k_att: NDArray[np.float64],
    k_def: NDArray[np.float64],
    b0: NDArray[np.float64],
    b1: NDArray[np.float64],
    hazard_per_day: float,
    rng: np.random.Generator,
    days: float,
    dt_h: float = 1.0,
    hold: NDArray[np.float64] | None = None,
    v_contest_km_per_day: NDArray[np.float64] | None = None,
    v_exploit_km_per_day: NDArray[np.float64] | None = None,
    pursuit_days: NDArray[np.float64] | None = None,
    att_add: NDArray[np.float64] | None = None,
    att_scale: NDArray[np.float64] | None = None,
    def_times_h: NDArray[np.float64] | None = None,
    def_power: NDArray[np.float64] | None = None,
    def_scale: NDArray[np.float64] | None = None,
    def_scaled: NDArray[np.bool_] | None = None,
    air_times_h: NDArray[np.float64] | None = None,
    air_rate_per_day: NDArray[np.float64] | None = None,
    air_scale: NDArray[np.float64] | None = None,
    air_loss_per_day: NDArray[np.float64] | None = None,
    fire_times_h: NDArray[np.float64] | None = None,
    fire_rate_per_day: NDArray[np.float64] | None = None,
    fire_cap: NDArray[np.float64] | None = None,
    fire_scale: NDArray[np.float64] | None = None,
    distance_km: float = 0.0,
    record_every_steps: int = 1,
    single_battle: bool = False,
    stop_when_decided: bool = False,
    battle_draws: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None,
    b0_later: NDArray[np.float64] | None = None,
    log_ratio_bounds: tuple[float, float] = (-np.inf, np.inf),
    parallel: bool = True,
) -> BattleOutcome:
    """The battle-sequence engine (docs/model.md, section 7.2): square-law attrition, battles decided by competing
    hazards whose odds follow the fitted logistic ``b0 + b1 · clip(ln ratio, *log_ratio_bounds)`` in the current
    force ratio (``b0`` for the first battle, ``b0_later`` for the battles after a breakthrough; each intercept
    already carries the trial's pre-battle factors), pursuit after a won battle, and culmination (holding-rate
    attrition, no further advance) after a lost one. Air elements attack the attacker while it attacks (battle or
    pursuit, never after it has culminated) from their arrival at ``air_rate_per_day × air_scale``
    battalion-equivalents a day, an effect that decays at ``air_loss_per_day`` (aircraft lost to ground-based air
    defence) while they fly; strike elements, from
    their first strike, destroy the attacker's arriving echelons at ``fire_rate_per_day × fire_scale`` a day up
    to ``fire_cap × fire_scale`` each (what they destroy before an echelon arrives is taken off it on arrival).

    ``battle_draws``: the clocks and outcome numbers already drawn (:func:`draw_battles`), instead of ``rng``.
    ``stop_when_decided``: a trial stops once the attack has culminated or arrived (``reached``, the time to the
    objective, ``battles_won`` and the first breakthrough are then final; losses, end strengths and paths stop
    there too): for the cases that need only P.

    The battle clocks (Exp(1)) and outcome draws (U(0,1)) come from ``rng``, ``MAX_BATTLES`` per trial, always
    the same number whatever the inputs, so two calls with equally seeded generators share every draw.

    ``parallel``: split the trials over the cores (numba threads); False runs them on the calling thread without
    the interpreter lock, for callers that run several engagements at once on threads of their own. The results
    are the same either way."""
    n = len(a0)
    steps = round(days * 24.0 / dt_h)
    clock, draw_u = battle_draws if battle_draws is not None else draw_battles(rng, n)
    zeros, ones = np.zeros(n), np.ones(n)

    def arr(v: NDArray[np.float64] | None, default: NDArray[np.float64], scale: float = 1.0) -> NDArray[np.float64]:
        return default if v is None else np.asarray(v, float) * scale

    inputs = (
        np.asarray(a0, float),
        np.asarray(d0, float),
        np.asarray(k_att, float),
        np.asarray(k_def, float),
        arr(hold, ones),
        np.asarray(b0, float),
        np.asarray(b0 if b0_later is None else b0_later, float),
        np.asarray(b1, float),
        float(log_ratio_bounds[0]),
        float(log_ratio_bounds[1]),
        float(hazard_per_day),
        clock,
        draw_u,
        arr(v_contest_km_per_day, zeros, 1 / 24.0),
        arr(v_exploit_km_per_day, zeros, 1 / 24.0),
        arr(pursuit_days, zeros, 24.0),
        np.zeros(steps) if att_add is None else np.asarray(att_add, float),
        ones if att_scale is None else np.asarray(att_scale, float),
        *_defender_args(n, def_times_h, def_power, def_scale, def_scaled),
        np.zeros((n, 0)) if air_times_h is None else np.ascontiguousarray(air_times_h, dtype=float),
        _per_trial(n, air_rate_per_day),
        ones if air_scale is None else np.asarray(air_scale, float),
        zeros if air_loss_per_day is None else np.asarray(air_loss_per_day, float),
        np.zeros((n, 0)) if fire_times_h is None else np.ascontiguousarray(fire_times_h, dtype=float),
        np.zeros(0) if fire_rate_per_day is None else np.asarray(fire_rate_per_day, float),
        np.zeros(0) if fire_cap is None else np.asarray(fire_cap, float),
        ones if fire_scale is None else np.asarray(fire_scale, float),
        float(distance_km),
        float(dt_h),
        steps,
        max(1, int(record_every_steps)),
        bool(single_battle),
        bool(stop_when_decided),
    )
    n_rec = steps // max(1, int(record_every_steps)) + 1
    if parallel:  # four blocks of trials per thread: the cores stay busy when some trials end early
        res = _battle_kernel(inputs, n, n_rec, max(1, min(n, 4 * numba.get_num_threads())))
    else:
        res = _battle_kernel_serial(inputs, n, n_rec)
    fields = (*OUTCOME_FIELDS, "battles_won")
    return BattleOutcome(record_h=_record_hours(steps, record_every_steps, dt_h), **dict(zip(fields, res, strict=True)))
