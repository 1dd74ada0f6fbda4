r"""Monte Carlo of the response timelines, vectorised over trials (no per-trial Python loop).

For trial i and element e (hours; see docs/model.md, section 6):

    ready_ie  = D_i + approval_e + fixed_e + Σ_{draws of e} X_ie
    in theatre:       t_ie = ready_ie + road_km_e · κ_i / v_e
    reinforcement:    a_ie = ready_ie + strategic_km_e · f_mode,i / s_mode,i      (arrival at the entry node)
                      queue at node n (one server, throughput μ_n personnel/h): when free it serves the arrived
                      unit of highest priority, else the next arrival; m_k personnel hold it m_k / μ_n hours
                      t_ie = end_ie + RSOM_ie + road_km_e · κ_i / v_e
    air power:        t_ie = ready_ie (fixed holds the flight), power × availability_i
    unreachable:      t_ie = ∞

Build-up curve of an axis: P_i(h) = defender_0 + Σ_e power_ie · [t_ie ≤ h], h = 0..720 hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from forceplan.scenario.model import Fixed, MoveMode, Triangular
from forceplan.timeline.elements import Element

HOURS = 720
Times = NDArray[np.floating[Any]]
"""Time arrays (hours): float32 in the simulation, float64 accepted."""


def draw(dist: Fixed | Triangular, shape: tuple[int, ...], rng: np.random.Generator | None) -> NDArray[np.float64]:
    """Samples of a distribution; with ``rng`` None (deterministic mode) the mode everywhere."""
    if rng is None or isinstance(dist, Fixed):
        return np.full(shape, float(dist.mode))
    return rng.triangular(dist.min, dist.mode, dist.max, size=shape)


@dataclass(frozen=True)
class AxisSim:
    """Effect times (trials × elements, hours; inf = never), power and queue waits.

    The power of element k in trial i is ``power_base[k] × (scale[i] if scaled[k] else 1)``: air power varies
    with the trial's aircraft availability, the rest is fixed."""

    times_h: Times
    power_base: NDArray[np.float64]
    waits_h: dict[int, NDArray[np.float64]]
    """Per entry node: queue waits (trials × units queued there), hours."""
    node_members: dict[int, list[int]]
    arrive_h: Times | None = None
    """Time each element reaches its entry node (or sets off, without one), trials × elements."""
    after_h: Times | None = None
    """Time from leaving the node (or setting off) to taking effect: RSOM and the road move."""
    scale: NDArray[np.float64] | None = None
    scaled: NDArray[np.bool_] | None = None

    def power(self, cols: list[int] | NDArray[np.int64] | None = None) -> NDArray[np.float64]:
        """Power of the given elements (all by default) in every trial, trials × len(cols)."""
        idx = np.arange(len(self.power_base)) if cols is None else np.asarray(cols, dtype=np.int64)
        p = np.tile(self.power_base[idx], (self.times_h.shape[0], 1))
        if self.scale is not None and self.scaled is not None:
            sel = self.scaled[idx]
            p[:, sel] *= self.scale[:, None]
        return p


def march_days(drive_h: Times, march_h: NDArray[np.float64]) -> Times:
    """Elapsed hours of a road move that needs ``drive_h`` hours of driving, when a column drives ``march_h`` hours a
    day: each full day of driving adds the rest of the day (24 − march_h) before it continues."""
    x = np.floor(drive_h / march_h)  # full days, then worked in place: one temporary of the full shape
    np.multiply(x, 24.0 - march_h, out=x)
    np.add(x, drive_h, out=x)
    return x.astype(drive_h.dtype if hasattr(drive_h, "dtype") else float, copy=False)


def simulate_axis(
    elements: list[Element],
    params: dict[str, Fixed | Triangular],
    node_rate_per_h: NDArray[np.float64],
    trials: int,
    rng: np.random.Generator | None,
    decision_delay_h: float | NDArray[np.float64] | None = None,
    parallel: bool = True,
) -> AxisSim:
    """Effect times of every element over ``trials`` trials (1 in deterministic mode, ``rng`` None).
    ``decision_delay_h`` overrides the drawn delay: one value, or one per trial. ``parallel``: the entry-node
    queues split their trials over the cores (else they run on the calling thread: :func:`serve_by_priority`)."""
    n = 1 if rng is None else trials
    e = len(elements)
    shape = (n, e)
    dd = params["coalition_decision_delay_h"]
    # The delay is always drawn, then overridden: every case makes every draw (exact common random numbers).
    d_i = draw(dd, (n, 1), rng)
    if decision_delay_h is not None:
        d_i = np.broadcast_to(np.asarray(decision_delay_h, dtype=float).reshape(-1, 1), (n, 1)).copy()
    kappa = draw(params["road_circuity_factor"], (n, 1), rng)
    rail = draw(params["rail_kmh"], (n, 1), rng)
    sea = draw(params["sea_kmh"], (n, 1), rng)
    airlift = draw(params["airlift_kmh"], (n, 1), rng)
    availability = draw(params["air_availability"], (n, 1), rng)

    approval = np.array([el.approval_h for el in elements])
    fixed = np.array([el.fixed_h for el in elements])
    road = np.array([el.road_km for el in elements])
    speed = np.array([el.speed_kmh for el in elements])
    arrive = np.empty(shape, dtype=np.float32)
    np.add(d_i, approval + fixed, out=arrive, casting="same_kind")
    # The daily march limit (a scenario without the parameter drives round the clock, as before it existed).
    march_h = (
        draw(params["march_hours_per_day"], (n, 1), rng) if "march_hours_per_day" in params else np.full((n, 1), 24.0)
    )
    after = np.empty(shape, dtype=np.float32)
    np.multiply(kappa, road / speed, out=after, casting="same_kind")  # the road move: km × circuity ÷ km/h
    after = march_days(after, march_h)
    for name in sorted({name for el in elements for name in el.draws}):
        cols = np.flatnonzero([name in el.draws for el in elements])
        x = draw(params[name], (n, len(cols)), rng)
        if name in ("rsom_h", "gauge_transload_h"):
            after[:, cols] += x  # transloading at a gauge break and RSOM happen at and after the entry node
        else:
            arrive[:, cols] += x
    waits: dict[int, NDArray[np.float64]] = {}
    members: dict[int, list[int]] = {}
    strat_km = np.array([el.strategic_km for el in elements])
    for mode, v in ((MoveMode.rail, rail), (MoveMode.road, None), (MoveMode.air, airlift), (MoveMode.sea, sea)):
        idx = [k for k, el in enumerate(elements) if el.strategic_mode is mode]
        if not idx:
            continue
        if mode is MoveMode.road:
            arrive[:, idx] += march_days(strat_km[idx] * kappa / speed[idx], march_h)
        elif mode is MoveMode.rail:
            arrive[:, idx] += strat_km[idx] * kappa / v  # type: ignore[operator]
        else:
            arrive[:, idx] += strat_km[idx] / v
    times = arrive + after
    for node in sorted({el.node for el in elements if el.node is not None}):
        idx = [k for k, el in enumerate(elements) if el.node == node]
        service = np.array([elements[k].personnel for k in idx]) / max(node_rate_per_h[node], 1e-9)
        prio = np.array([elements[k].priority for k in idx])
        start, wait = serve_by_priority(arrive[:, idx], service, prio, parallel)
        times[:, idx] = start + service + after[:, idx]
        waits[node] = wait
        members[node] = idx

    reachable = np.array([el.reachable for el in elements])
    times[:, ~reachable] = np.inf
    return AxisSim(
        times_h=times,
        power_base=np.array([el.power for el in elements]),
        waits_h=waits,
        node_members=members,
        arrive_h=arrive,
        after_h=after,
        scale=availability[:, 0],
        scaled=np.array([el.option == "air_power" for el in elements]),
    )


@numba.njit(cache=True)
def _serve_trial(i, arrive, service, priority, start):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """Trial i's queue: the service start of each unit, written into ``start``."""
    k = arrive.shape[1]
    done = np.zeros(k, dtype=np.bool_)
    free = -np.inf
    for _step in range(k):
        pick = -1
        # Among the units that have arrived: highest priority, then the earliest arrival.
        for q in range(k):
            if done[q] or arrive[i, q] > free:
                continue
            if (
                pick < 0
                or priority[q] > priority[pick]
                or (priority[q] == priority[pick] and arrive[i, q] < arrive[i, pick])
            ):
                pick = q
        if pick < 0:  # none has arrived: the next arrival
            for q in range(k):
                if not done[q] and (pick < 0 or arrive[i, q] < arrive[i, pick]):
                    pick = q
        s = max(arrive[i, pick], free)
        start[i, pick] = s
        done[pick] = True
        free = s + service[pick]


@numba.njit(cache=True, parallel=True)
def _serve_kernel(arrive, service, priority):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    n, k = arrive.shape
    start = np.empty((n, k))
    for i in numba.prange(n):  # trials are independent: split over cores
        _serve_trial(i, arrive, service, priority, start)
    return start


@numba.njit(cache=True, nogil=True)
def _serve_kernel_serial(arrive, service, priority):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    n, k = arrive.shape
    start = np.empty((n, k))
    for i in range(n):
        _serve_trial(i, arrive, service, priority, start)
    return start


def serve_by_priority(
    arrive: Times, service: NDArray[np.float64], priority: NDArray[np.float64], parallel: bool = True
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """A single-server entry node, every trial at once: when the node is free it serves, among the units that
    have arrived, the one of highest priority (then the earliest); if none has arrived it serves the next arrival.
    A unit of m personnel holds the node for m ÷ throughput hours. Returns service starts and waits (trials × K).
    (The event loop is compiled with numba: it is sequential within a trial; ``parallel``: trials split over the
    cores, else on the calling thread without the interpreter lock, as the assessment's threads run it.)
    """
    a = np.ascontiguousarray(arrive, dtype=np.float64)
    kernel = _serve_kernel if parallel else _serve_kernel_serial
    start = kernel(a, np.asarray(service, dtype=np.float64), np.asarray(priority, dtype=np.float64))
    return start, start - a


@numba.njit(cache=True, parallel=True)
def _curve_kernel(times, power, scale, scaled, base, hours):  # type: ignore[no-untyped-def]  # pragma: no cover
    n, e = times.shape
    out = np.empty((hours + 1, n), dtype=np.float32)
    for i in numba.prange(n):  # trials are independent: split over cores
        hist = np.zeros(hours + 2)
        for k in range(e):
            t = times[i, k]
            if np.isfinite(t):
                slot = int(np.ceil(max(t, 0.0)))
                if slot <= hours:
                    hist[slot] += power[k] * scale[i] if scaled[k] else power[k]
        total = base
        for h in range(hours + 1):
            total += hist[h]
            out[h, i] = total
    return out


def buildup_curve(sim: AxisSim, base_power: float, hours: int = HOURS) -> NDArray[np.float64]:
    """Defender combat power at each whole hour 0..hours, per trial (trials × hours+1).

    The array is a view of an hour-major block, so quantiles across trials (axis 0) read contiguous memory."""
    n, e = sim.times_h.shape
    scale = sim.scale if sim.scale is not None else np.ones(n)
    scaled = sim.scaled if sim.scaled is not None else np.zeros(e, dtype=bool)
    block = _curve_kernel(
        np.ascontiguousarray(sim.times_h),
        sim.power_base.astype(np.float64),
        scale.astype(np.float64),
        scaled,
        float(base_power),
        int(hours),
    )
    return block.T


def curve_quantiles(curve: NDArray[np.float64], qs: tuple[float, ...] = (0.1, 0.5, 0.9)) -> NDArray[np.float64]:
    """Quantiles over trials of a curve from :func:`buildup_curve` (len(qs) × hours+1), by the inverted-CDF
    definition (the ⌈q·n⌉-th smallest value), selecting in place on the contiguous hour-major block."""
    block = curve.T if curve.T.flags.c_contiguous else np.ascontiguousarray(curve.T)
    n = block.shape[1]
    kth = np.array([min(n - 1, max(0, int(np.ceil(q * n)) - 1)) for q in qs], dtype=np.int64)
    return _select_kernel(block, kth).T


@numba.njit(cache=True, parallel=True)
def _select_kernel(block, kth):  # type: ignore[no-untyped-def]  # pragma: no cover
    """The kth smallest values of each row (hours × kth), rows split over cores; exact, as np.partition."""
    h = block.shape[0]
    out = np.empty((h, kth.shape[0]), dtype=block.dtype)
    for r in numba.prange(h):
        part = np.partition(block[r].copy(), kth)
        for j in range(kth.shape[0]):
            out[r, j] = part[kth[j]]
    return out


def time_to_fraction(times: Times, power: NDArray[np.float64], fraction: float) -> NDArray[np.float64]:
    """Per trial, the time by which ``fraction`` of the (reachable) power has arrived; inf if never."""
    t = np.where(np.isfinite(times), times, np.inf)
    order = np.argsort(t, axis=1, kind="stable")
    ts = np.take_along_axis(t, order, axis=1)
    ps = np.take_along_axis(np.where(np.isfinite(times), power, 0.0), order, axis=1)
    cum = np.cumsum(ps, axis=1)
    total = cum[:, -1:]
    if fraction <= 0:
        return ts[:, 0]
    hit = cum >= fraction * total - 1e-12
    k = np.argmax(hit, axis=1)
    out = ts[np.arange(len(ts)), k]
    return np.where(total[:, 0] > 0, out, np.inf)
