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


def prim_box(x: dict[str, np.ndarray], fails: np.ndarray, threshold: float = 0.8) -> dict[str, Any] | None:
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
    return {"limits": limits, "coverage": coverage, "density": density, "cases_inside": int(inside.sum()),
            "cases_failing": int(fails.sum())}  # fmt: skip


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
        out.append(
            {
                "policy": pol,
                "futures": len(ps),
                "share_meeting_threshold": float(np.mean(np.array(ps) <= threshold)),
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
