"""What the experiments say: Sobol indices (SALib) with confidence intervals, PRIM scenario discovery (the
conditions under which a posture fails to deter), robustness per policy (regret; share of futures that meet a
threshold), and the ranking of capability requests to nations."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from forceplan.explore.space import Uncertainty, problem


def sobol_indices(us: list[Uncertainty], y: np.ndarray, seed: int) -> list[dict[str, Any]]:
    """First- and total-order Sobol indices of ``y`` over a Saltelli design (SALib), with 95 % bootstrap CIs;
    sorted by total order."""
    from SALib.analyze import sobol

    y = np.asarray(y, dtype=float)
    if not np.all(np.isfinite(y)):
        raise ValueError("Sobol analysis needs an outcome in every experiment (a task failed)")
    si = sobol.analyze(problem(us), y, calc_second_order=False, conf_level=0.95, seed=seed, print_to_console=False)
    rows = [
        {
            "uncertainty": u.name,
            "S1": float(si["S1"][k]),
            "S1_conf": float(si["S1_conf"][k]),
            "ST": float(si["ST"][k]),
            "ST_conf": float(si["ST_conf"][k]),
        }
        for k, u in enumerate(us)
    ]
    return sorted(rows, key=lambda r: -r["ST"])


#: A PRIM limit that keeps more than this share of an uncertainty's range does not narrow it: not shown.
NARROWS_BELOW = 0.8


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval (95 % by default) of a share k/n; (0, 1) when n = 0. Wilson (1927), JASA 22(158)."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def prim_box(
    x: dict[str, np.ndarray],
    fails: np.ndarray,
    threshold: float = 0.8,
    bounds: dict[str, tuple[float, float]] | None = None,
) -> dict[str, Any] | None:
    """PRIM (Friedman and Fisher 1999; the ``prim`` package): the box of the uncertainty space where the cases of
    interest (``fails``) concentrate, peeled until the density reaches ``threshold``; its limits on the
    uncertainties it restricts, its coverage (share of all failing cases inside) and density (share of cases
    inside that fail). None when there is nothing to find (no failing case, or all fail)."""
    import pandas as pd
    import prim

    fails = np.asarray(fails, dtype=bool)
    if fails.sum() == 0 or fails.all() or len(fails) < 8:
        return None
    df = pd.DataFrame(x)
    p = prim.Prim(df, fails, threshold=threshold, threshold_type=">")
    box = p.find_box()
    limits = {str(name): {"min": float(row["min"]), "max": float(row["max"])} for name, row in box.limits.iterrows()}
    inside = np.ones(len(df), dtype=bool)
    for name, lim in limits.items():
        inside &= (df[name].to_numpy() >= lim["min"]) & (df[name].to_numpy() <= lim["max"])
    coverage = float((inside & fails).sum() / fails.sum())
    density = float((inside & fails).sum() / max(inside.sum(), 1))
    # How much of each uncertainty's range the box keeps: a limit keeping most of it narrows nothing, and a box
    # that narrows nothing says only that failures are spread over the space (not shown as a finding).
    kept = {}
    for name, lim in limits.items():
        lo, hi = (bounds or {}).get(name, (float(df[name].min()), float(df[name].max())))
        kept[name] = float((min(lim["max"], hi) - max(lim["min"], lo)) / (hi - lo)) if hi > lo else 1.0
    narrowed = {n: lim | {"share_of_range": kept[n]} for n, lim in limits.items() if kept[n] <= NARROWS_BELOW}
    return {"limits": limits, "coverage": coverage, "density": density, "cases_inside": int(inside.sum()),
            "cases_failing": int(fails.sum()), "cases": len(fails), "base_rate": float(fails.mean()),
            "share_of_range": kept, "narrowed": narrowed, "narrows": bool(narrowed)}  # fmt: skip


def robustness(rows: list[dict[str, Any]], threshold: float) -> list[dict[str, Any]]:
    """Per policy: the share of futures where the worst threat's P(reaching its objective) ≤ ``threshold``, and
    the regret in each future (its P minus the best policy's P in that future), mean and maximum."""
    by_future: dict[int, dict[str, float]] = defaultdict(dict)
    for r in rows:
        if np.isfinite(r.get("p_worst", np.nan)):
            by_future[int(r["future"])][r["policy"]] = float(r["p_worst"])
    pols = sorted({r["policy"] for r in rows})
    out = []
    for pol in pols:
        ps, regrets = [], []
        for fut in by_future.values():
            if pol in fut:
                ps.append(fut[pol])
                regrets.append(fut[pol] - min(fut.values()))
        if not ps:
            continue
        meeting = int(np.sum(np.array(ps) <= threshold))
        low, high = wilson_interval(meeting, len(ps))
        best = sum(1 for fut in by_future.values() if pol in fut and fut[pol] <= min(fut.values()) + 1e-12)
        out.append(
            {
                "policy": pol,
                "futures": len(ps),
                "meeting_threshold": meeting,
                "share_meeting_threshold": float(np.mean(np.array(ps) <= threshold)),
                "share_ci_low": low,
                "share_ci_high": high,
                "futures_best": best,
                "p_worst_mean": float(np.mean(ps)),
                "p_worst_p90": float(np.quantile(ps, 0.9)),
                "regret_mean": float(np.mean(regrets)),
                "regret_max": float(np.max(regrets)),
            }
        )
    return sorted(out, key=lambda d: (d["regret_max"], d["p_worst_mean"]))


def rank_asks(
    base: dict[int, float], with_ask: dict[str, dict[int, float]], personnel: dict[str, int], labels: dict[str, str]
) -> list[dict[str, Any]]:
    """One-step marginal analysis: each request alone, against the baseline, in the same futures (common random
    numbers): the mean reduction of the worst threat's P per 1,000 personnel the request adds, with the standard
    error of the paired differences across futures; ``distinguishable`` when the reduction exceeds twice it."""
    out = []
    for cap, ps in with_ask.items():
        common = sorted(set(ps) & set(base))
        if not common:
            continue
        diffs = np.array([base[f] - ps[f] for f in common])
        delta = float(diffs.mean())
        se = float(diffs.std(ddof=1) / np.sqrt(len(diffs))) if len(diffs) > 1 else float("nan")
        out.append(
            {
                "capability": cap,
                "ask": labels[cap],
                "personnel": personnel[cap],
                "p_worst_reduction": delta,
                "reduction_per_1000_personnel": delta / (personnel[cap] / 1000.0),
                "standard_error": se,
                "distinguishable": bool(np.isfinite(se) and abs(delta) > 2 * se),
                "futures": len(common),
            }
        )
    return sorted(out, key=lambda d: (-d["reduction_per_1000_personnel"], d["capability"]))
