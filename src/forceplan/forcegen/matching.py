r"""Matching pledges to the requirement: a lexicographic MILP solved with HiGHS.

Sets: pledges P (in play), slots S, eligible pairs E ⊆ P × S (:func:`~forceplan.forcegen.eligibility.why_not`
empty), nations N.

Variables: x[p,s] ∈ ℤ, 0 ≤ x[p,s] ≤ min(q_p, q_s) for (p,s) ∈ E — units of pledge p in slot s.

Constraints:

    Σ_s x[p,s] ≤ q_p                                   (pledge quantity)
    Σ_p x[p,s] ≤ q_s                                   (slot quantity)
    Σ_{p,s} m_p x[p,s] ≤ M                             (personnel cap; m_p personnel per unit)
    Σ_{p∈n,s} m_p x[p,s] ≤ σ Σ_{p,s} m_p x[p,s]  ∀n    (optional nation share cap σ)

Objectives, in order, each stage holding the earlier ones at their optimum:

1. fill:      max Σ_{p,s} w_s x[p,s]
2. personnel: min Σ_{p,s} m_p x[p,s]               s.t. Σ w_s x ≥ z₁*
3. nations:   max Σ_n y_n, y_n ∈ {0,1}, y_n ≤ Σ_{p∈n,s} x[p,s]    s.t. also Σ m_p x ≤ z₂*

Stages 1 and 2 are solved as one MILP with the exact lexicographic objective

    max Σ (W·σ·w_s − m_p) x[p,s],   W = P_max + 1,

where σ ∈ {1, 10, 100, 1000} is the smallest scale making every σ·w_s an integer and P_max bounds the matched
personnel. Every feasible x has integral σ·fill, so one more step of fill (≥ 1 after scaling) is worth W, more
than any difference in personnel (≤ P_max): the combined optimum is the lexicographic optimum. Used only when
the coefficients stay below 2⁴⁰ (exact in floating point); otherwise the two stages run one after the other.
Stage 3 is skipped, proven, when the incumbent already uses every nation that has an eligible pair.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from forceplan.milp import HighsModel, StageInfo
from forceplan.scenario.model import Pledge, Slot


@dataclass(frozen=True)
class MatchProblem:
    """The arrays of one matching instance."""

    pledge_qty: NDArray[np.int64]
    pledge_personnel: NDArray[np.int64]
    pledge_nation: NDArray[np.int64]
    slot_qty: NDArray[np.int64]
    slot_weight: NDArray[np.float64]
    pair_pledge: NDArray[np.int64]
    pair_slot: NDArray[np.int64]
    max_personnel: int
    max_nation_share: float | None = None
    n_nations: int = 0

    @classmethod
    def build(
        cls,
        pledges: list[Pledge],
        slots: list[Slot],
        pairs: list[tuple[int, int]],
        max_personnel: int,
        max_nation_share: float | None = None,
    ) -> MatchProblem:
        nations = sorted({p.nation for p in pledges})
        pp = np.array([a for a, _ in pairs], dtype=np.int64)
        ps = np.array([b for _, b in pairs], dtype=np.int64)
        return cls(
            pledge_qty=np.array([p.quantity for p in pledges], dtype=np.int64),
            pledge_personnel=np.array([p.personnel_per_unit for p in pledges], dtype=np.int64),
            pledge_nation=np.array([nations.index(p.nation) for p in pledges], dtype=np.int64),
            slot_qty=np.array([s.quantity for s in slots], dtype=np.int64),
            slot_weight=np.array([s.priority_weight for s in slots], dtype=float),
            pair_pledge=pp,
            pair_slot=ps,
            max_personnel=int(max_personnel),
            max_nation_share=max_nation_share,
            n_nations=len(nations),
        )


def _group_rows(keys: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """CSR rows summing the pair variables of each group that has any (returns starts, columns, group ids)."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    groups, starts = np.unique(sorted_keys, return_index=True)
    return starts.astype(np.int64), order.astype(np.int64), groups.astype(np.int64)


def _lexicographic_cost(
    weight: NDArray[np.float64], pers: NDArray[np.float64], ub: NDArray[np.int64], max_personnel: int
) -> tuple[NDArray[np.float64], float, float] | None:
    """The exact combined cost of stages 1 and 2 (see the module docstring), or None if not exact."""
    for scale in (1.0, 10.0, 100.0, 1000.0):
        scaled = weight * scale
        if np.allclose(scaled, np.rint(scaled), rtol=0, atol=1e-9):
            break
    else:
        return None
    p_max = min(float(max_personnel), float(pers @ ub))
    big_w = p_max + 1.0
    cost = big_w * np.rint(weight * scale) - pers
    if float(np.abs(cost) @ ub) >= 2.0**40:
        return None
    return cost, scale, big_w


def solve_matching(
    mp: MatchProblem, time_limit_s: float = 60.0, stages: int = 3
) -> tuple[list[StageInfo], NDArray[np.int64]]:
    """Solve the lexicographic MILP; returns a report per stage and the integer units per eligible pair."""
    k = len(mp.pair_pledge)
    if k == 0:
        return [], np.zeros(0, dtype=np.int64)
    m = HighsModel(time_limit_s=time_limit_s)
    ub = np.minimum(mp.pledge_qty[mp.pair_pledge], mp.slot_qty[mp.pair_slot])
    x = m.add_vars(np.zeros(k), ub)
    inf = np.inf

    starts, cols, groups = _group_rows(mp.pair_pledge)
    m.add_rows(starts, x[cols], np.ones(k), np.full(len(groups), -inf), mp.pledge_qty[groups])
    starts, cols, groups = _group_rows(mp.pair_slot)
    m.add_rows(starts, x[cols], np.ones(k), np.full(len(groups), -inf), mp.slot_qty[groups])

    pers = mp.pledge_personnel[mp.pair_pledge].astype(float)
    m.add_row(x, pers, -inf, float(mp.max_personnel))
    pair_nation = mp.pledge_nation[mp.pair_pledge]
    if mp.max_nation_share is not None:
        sigma = float(mp.max_nation_share)
        for n in np.unique(pair_nation):
            coef = pers * ((pair_nation == n).astype(float) - sigma)
            m.add_row(x, coef, -inf, 0.0)

    weight = mp.slot_weight[mp.pair_slot]
    reports: list[StageInfo] = []
    combined = _lexicographic_cost(weight, pers, ub, mp.max_personnel) if stages >= 2 else None
    if combined is not None:
        cost, scale_w, big_w = combined
        info, sol = m.solve("fill+personnel", cost, "max")
        xv = np.rint(sol[:k]).astype(np.int64)
        fill, personnel = float(weight @ xv), float(pers @ xv)
        if info.optimal:
            reports += [
                StageInfo("fill", "max", info.status, True, fill, fill, 0.0, info.time_s),
                StageInfo("personnel", "min", info.status, True, personnel, personnel, 0.0, 0.0),
            ]
        else:  # time limit: the combined bound B gives fill ≤ (B + P_max) / (W σ); personnel unproven
            fill_bound = (info.bound + big_w - 1) / (big_w * scale_w) if info.bound is not None else None
            gap = (fill_bound - fill) / max(abs(fill_bound), 1e-9) if fill_bound is not None else None
            reports += [
                StageInfo("fill", "max", info.status, False, fill, fill_bound, gap, info.time_s),
                StageInfo("personnel", "min", info.status, False, personnel, None, None, 0.0),
            ]
        if info.objective is None:
            return reports, xv
        info = reports[-1]
    else:
        info, sol = m.solve("fill", weight, "max")
        reports.append(info)
        xv = np.rint(sol[:k]).astype(np.int64)
    if stages >= 2 and combined is None and info.objective is not None:
        z1 = float(weight @ xv)
        m.add_row(x, weight, z1 - 1e-7 * max(1.0, abs(z1)), inf)
        info, sol = m.solve("personnel", pers, "min", start=xv)
        reports.append(info)
        if info.objective is not None:
            xv = np.rint(sol[:k]).astype(np.int64)
    if stages >= 3 and info.objective is not None:
        nations = np.unique(pair_nation)
        used = len(np.unique(pair_nation[xv > 0]))
        if used == len(nations):
            # Every nation with an eligible pair already contributes: the bound is met, no search needed.
            reports.append(HighsModel.proven("nations", "max", float(used)))
            return reports, xv
        z1, z2 = float(weight @ xv), float(pers @ xv)
        m.add_row(x, weight, z1 - 1e-7 * max(1.0, abs(z1)), inf)
        m.add_row(x, pers, -inf, z2 + 0.5)
        y = m.add_vars(np.zeros(len(nations)), np.ones(len(nations)))
        for j, n in zip(y, nations, strict=True):
            cols_n = x[pair_nation == n]
            m.add_row(np.concatenate([[j], cols_n]), np.concatenate([[1.0], -np.ones(len(cols_n))]), -inf, 0.0)
        cost = np.zeros(m.n)
        cost[y] = 1.0
        start = np.concatenate([xv, np.isin(nations, pair_nation[xv > 0]).astype(float)])
        info, sol = m.solve("nations", cost, "max", start=start)
        reports.append(info)
        if info.objective is not None:
            xv = np.rint(sol[:k]).astype(np.int64)
    return reports, xv
