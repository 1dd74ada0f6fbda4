"""The matching MILP solved with CBC through PuLP (optional: ``pip install 'forceplan[cbc]'``).

Same formulation and lexicographic stages as :mod:`forceplan.forcegen.matching`, run in sequence. Offered
because it measures faster than HiGHS when the personnel cap binds hard (docs/benchmarks.md). PuLP reports no
best bound: a stage is reported optimal (bound = objective) only when CBC says it proved optimality.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

from forceplan.forcegen.matching import MatchProblem
from forceplan.milp import StageInfo


class CbcUnavailable(RuntimeError):
    """PuLP (with its bundled CBC) is not installed."""


def _cbc(pulp: Any, time_limit_s: float) -> Any:
    """CBC installed with ``pulp[cbc]`` (COIN_CMD) if present, else the binary bundled with PuLP (deprecated
    there since PuLP 3.3; its warning is silenced here, where the choice is made).

    CBC's integer preprocessing is off: CBC 2.10.3 (the binary PuLP 3.3 bundles) returns a wrong "optimal" answer with
    it on a four-variable instance the brute-force test found (minimise personnel at a fixed fill: 600 reported,
    300 feasible; its root cuts then "changed the objective from 600 to -1.8e308"). Off, every instance of that test
    matches brute force."""
    options = {"msg": False, "timeLimit": time_limit_s, "threads": 1, "gapRel": 0.0, "options": ["preprocess off"]}
    coin = pulp.COIN_CMD(**options)
    if coin.available():
        return coin
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pulp.PULP_CBC_CMD(**options)


def solve_matching_cbc(
    mp: MatchProblem, time_limit_s: float = 60.0, stages: int = 3
) -> tuple[list[StageInfo], NDArray[np.int64]]:
    """Solve the three stages with CBC; returns a report per stage and the integer units per eligible pair."""
    try:
        import pulp
    except ImportError:
        raise CbcUnavailable("the CBC solver needs PuLP: pip install 'forceplan[cbc]'") from None
    k = len(mp.pair_pledge)
    if k == 0:
        return [], np.zeros(0, dtype=np.int64)
    pers = mp.pledge_personnel[mp.pair_pledge].astype(float)
    weight = mp.slot_weight[mp.pair_slot]
    ub = np.minimum(mp.pledge_qty[mp.pair_pledge], mp.slot_qty[mp.pair_slot])
    nation = mp.pledge_nation[mp.pair_pledge]
    prob = pulp.LpProblem("forcegen", pulp.LpMaximize)

    def var(name: str, lo: int, hi: int, cat: str) -> Any:
        if hasattr(prob, "add_variable"):  # PuLP ≥ 3.3
            return prob.add_variable(name, lo, hi, cat=cat)
        return pulp.LpVariable(name, lo, hi, cat=cat)

    x = [var(f"x{i}", 0, int(ub[i]), "Integer") for i in range(k)]
    for p in np.unique(mp.pair_pledge):
        prob += pulp.lpSum(x[i] for i in np.flatnonzero(mp.pair_pledge == p)) <= int(mp.pledge_qty[p])
    for s in np.unique(mp.pair_slot):
        prob += pulp.lpSum(x[i] for i in np.flatnonzero(mp.pair_slot == s)) <= int(mp.slot_qty[s])
    prob += pulp.lpSum(pers[i] * x[i] for i in range(k)) <= mp.max_personnel
    if mp.max_nation_share is not None:
        for n in np.unique(nation):
            prob += pulp.lpSum(pers[i] * x[i] for i in np.flatnonzero(nation == n)) <= mp.max_nation_share * pulp.lpSum(
                pers[i] * x[i] for i in range(k)
            )
    solver = _cbc(pulp, time_limit_s)
    reports: list[StageInfo] = []

    def run(stage: str, expr: object, sense: int) -> NDArray[np.int64] | None:
        prob.setObjective(expr)
        prob.sense = sense
        t0 = time.perf_counter()
        prob.solve(solver)
        elapsed = time.perf_counter() - t0
        status = pulp.LpStatus[prob.status]
        values = [v.value() for v in x]
        if any(v is None for v in values):
            reports.append(
                StageInfo(
                    stage,
                    "max" if sense == pulp.LpMaximize else "min",
                    status.lower(),
                    False,
                    None,
                    None,
                    None,
                    elapsed,
                )
            )
            return None
        obj = float(pulp.value(prob.objective))
        optimal = status == "Optimal" and prob.sol_status == pulp.LpSolutionOptimal
        reports.append(
            StageInfo(
                stage,
                "max" if sense == pulp.LpMaximize else "min",
                "optimal" if optimal else f"{status.lower()} (not proven optimal)",
                optimal,
                obj,
                obj if optimal else None,
                0.0 if optimal else None,
                elapsed,
            )
        )
        return np.rint(np.array(values, dtype=float)).astype(np.int64)

    xv = run("fill", pulp.lpSum(weight[i] * x[i] for i in range(k)), pulp.LpMaximize)
    if xv is None or stages < 2:
        return reports, xv if xv is not None else np.zeros(k, dtype=np.int64)
    z1 = float(weight @ xv)
    prob += pulp.lpSum(weight[i] * x[i] for i in range(k)) >= z1 - 1e-7 * max(1.0, z1)
    xv2 = run("personnel", pulp.lpSum(pers[i] * x[i] for i in range(k)), pulp.LpMinimize)
    if xv2 is None or stages < 3:
        return reports, xv2 if xv2 is not None else xv
    xv = xv2
    z2 = float(pers @ xv)
    prob += pulp.lpSum(pers[i] * x[i] for i in range(k)) <= z2 + 0.5
    y = {int(n): var(f"y{n}", 0, 1, "Binary") for n in np.unique(nation)}
    for n, yn in y.items():
        prob += yn <= pulp.lpSum(x[i] for i in np.flatnonzero(nation == n))
    xv3 = run("nations", pulp.lpSum(y.values()), pulp.LpMaximize)
    return reports, xv3 if xv3 is not None else xv
