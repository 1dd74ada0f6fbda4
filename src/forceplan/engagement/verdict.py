"""Verdict words and the two-stage Monte Carlo interval they are read from (docs/model.md, section 7.6)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from forceplan.scenario.model import DETERRENCE_THRESHOLD

DEFAULT_THRESHOLD = DETERRENCE_THRESHOLD
"""The attacker's chance of reaching its objective within 30 days below which an axis counts as deterred: a policy
judgement, not a finding; a scenario sets its own (``deterrence_threshold``)."""

VERDICTS: dict[str, str] = {
    "deterred": "even the high end of the interval lies below the threshold: the attacker's chance of reaching its "
    "objective within 30 days is below the threshold whatever the stated assumptions",
    "uncertain": "the interval straddles the threshold: within the stated assumptions the attacker's chance may lie "
    "on either side of it; the sensitivity table says which assumptions decide",
    "not deterred": "even the low end of the interval lies at or above the threshold: the force does not hold the "
    "attacker's chance below it under any of the stated assumptions",
}
"""The three verdicts and their definitions, in order from good to bad for the coalition."""

COLOURS: dict[str, str] = {"deterred": "#1b7f3b", "uncertain": "#b26a00", "not deterred": "#b3261e"}
"""One colour scale for verdicts and the probabilities behind them: green only for 'deterred'."""


def verdict_for(low: float, high: float, threshold: float = DEFAULT_THRESHOLD) -> str:
    """'deterred' when high < threshold, 'not deterred' when low ≥ threshold, else 'uncertain'."""
    if high < threshold:
        return "deterred"
    if low >= threshold:
        return "not deterred"
    return "uncertain"


def verdict_sentence(threshold: float) -> str:
    """How to read the verdicts, for ``assess`` and the report."""
    return (
        f"Verdicts compare the interval with the scenario's deterrence threshold of {100 * threshold:.0f} %: "
        f"deterred when the whole interval lies below it, not deterred when the whole interval lies at or above "
        f"it, uncertain when it straddles it."
    )


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float
    high: float
    mc_error: float


def two_stage_interval(
    values: NDArray[np.float64],
    inner: int,
    q: float = 0.05,
    z: float = 2.0,
    bounds: tuple[float, float] = (0.0, 1.0),
) -> Interval:
    r"""The mean of per-trial ``values`` and its interval over the uncertain inputs, from a two-stage design
    (``values`` ordered by input draw, ``inner`` trials per draw).

    With m_j the mean of draw j (J draws), s_j² the variance of its trials: the between-draw variance of the true
    means is τ² = Var(m_j) − mean(s_j²) ÷ inner (method of moments, never below 0), and each m_j is shrunk towards
    the mean by √(τ² ÷ Var(m_j)), so the spread carries the inputs' uncertainty, not the inner trials' noise.
    The interval's ends are the q- and (1 − q)-quantiles of the shrunk means, each taken at its own Monte Carlo
    bound: the order statistic k = ⌊J·q − z·√(J·q·(1 − q))⌋ from either end (z = 2: an end that a rerun with
    another seed would place further out only 2.3 % of the time). It is never narrower than the Monte Carlo error
    of the mean allows either: each end lies at least z × se from the mean, se = √(Var(m_j) ÷ J). So the interval
    does not collapse when τ² is estimated at 0, and a verdict read from it does not turn with the seed."""
    v = np.asarray(values, dtype=float).reshape(-1, inner)
    m = v.mean(axis=1)
    n_outer = len(m)
    mean = float(m.mean())
    var_obs = float(m.var(ddof=1)) if n_outer > 1 else 0.0
    noise = float(v.var(axis=1, ddof=1).mean()) / inner if inner > 1 else 0.0
    tau2 = max(var_obs - noise, 0.0)
    shrink = float(np.sqrt(tau2 / var_obs)) if var_obs > 0 else 0.0
    adj = np.sort(mean + shrink * (m - mean))
    k = max(int(np.floor(n_outer * q - z * np.sqrt(n_outer * q * (1 - q)))), 0)
    se = float(np.sqrt(var_obs / n_outer)) if n_outer > 1 else 0.0
    lo = max(min(float(adj[k]), mean - z * se), bounds[0])
    hi = min(max(float(adj[n_outer - 1 - k]), mean + z * se), bounds[1])
    return Interval(mean=mean, low=lo, high=hi, mc_error=se)
