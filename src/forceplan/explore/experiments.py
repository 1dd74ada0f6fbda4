"""The experiments of one exploration (design × policies, and the capability requests), their table, and the
summary of what they say."""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forceplan.engagement.outcome import default_outcome_model
from forceplan.explore.analysis import prim_box, rank_asks, robustness, sobol_indices
from forceplan.explore.model import ASK_NOTICE_DAYS, evaluate
from forceplan.explore.space import FAILURE_DRAW, Uncertainty, policies, sample, uncertainties
from forceplan.scenario import Scenario
from forceplan.stagecache import StageCache

ASK_FUTURES = 8
"""Futures (the first of the design) over which each capability request is evaluated."""


@dataclass(frozen=True)
class Task:
    index: int
    kind: str  # experiment | ask
    future: int
    policy: dict[str, Any]
    point: dict[str, float]


@dataclass
class Plan:
    """Everything an exploration runs: the design and every task, in a fixed order."""

    uncertainties: list[Uncertainty]
    design: str
    points: np.ndarray
    policies: list[dict[str, Any]]
    tasks: list[Task]
    asks: list[str] = field(default_factory=list)


def policy_label(policy: dict[str, Any]) -> str:
    parts = [str(policy.get("posture", "reassurance"))]
    if "personnel_cap" in policy:
        parts.append(f"cap {int(policy['personnel_cap']):,}")
    if policy.get("us_backstop"):
        parts.append("US backstop")
    if policy.get("strikes_into_aggressor"):
        parts.append("strikes")
    if policy.get("ask"):
        parts.append(f"ask {policy['ask']}")
    return ", ".join(parts)


def plan_exploration(
    sc: Scenario,
    design: str,
    n: int,
    seed: int,
    choices: dict[str, tuple[Any, ...]],
    asks: int = 0,
    ask_from: list[str] | None = None,
) -> Plan:
    """The design's futures crossed with every policy; with ``asks``, each catalogue capability as an extra
    committed unit under the first policy, in the first ASK_FUTURES futures (the baseline is the first policy's
    own experiments there)."""
    us = uncertainties(sc)
    pts = sample(us, design, n, seed)
    pols = policies(choices)
    tasks: list[Task] = []
    for j, row in enumerate(pts):
        point = {u.name: float(v) for u, v in zip(us, row, strict=True)}
        for pol in pols:
            tasks.append(Task(len(tasks), "experiment", j, pol, point))
    cands: list[str] = []
    if asks:
        cands = list(ask_from) if ask_from else [c.id for c in sc.capabilities]
        for j, row in enumerate(pts[: min(ASK_FUTURES, len(pts))]):
            point = {u.name: float(v) for u, v in zip(us, row, strict=True)}
            for c in cands:
                tasks.append(Task(len(tasks), "ask", j, {**pols[0], "ask": c}, point))
    return Plan(us, design, pts, pols, tasks, cands)


def run_task(sc: Scenario, task: Task, seed: int, trials: int, response_trials: int) -> dict[str, Any]:
    """One task, as a worker runs it."""
    if os.environ.get("FORCEPLAN_TEST_FAIL_TASK") == str(task.index):  # failure-path test hook
        raise RuntimeError(f"injected failure of task {task.index}")
    return evaluate(sc, task.policy, task.point, seed, trials, response_trials, worker_cache())


STAGE_MODULES = ("forceplan.forcegen.run", "forceplan.stationing.run", "forceplan.timeline.run",
                 "forceplan.engagement.assess", "highspy")  # fmt: skip
"""What an experiment imports on its first use (the core loads them lazily; HiGHS is the laydown's solver)."""


def prepare_worker() -> list[str]:
    """Everything a worker process loads once before its first experiment, so that no experiment pays for it:
    the stage modules and HiGHS, the numba kernels (from their on-disk cache, or compiled once where there is
    none), the battle-outcome model (fitted on CDB90), the code fingerprint the stage cache keys on, and the stage
    cache itself. Returns what it loaded, for the log."""
    import importlib

    from forceplan.stagecache import code_fingerprint
    from forceplan.warm import warm_kernels

    for module in STAGE_MODULES:
        importlib.import_module(module)
    kernels = warm_kernels()
    default_outcome_model()
    code_fingerprint()
    worker_cache()
    return ["stage modules", "HiGHS", *kernels, "battle-outcome model", "code fingerprint", "stage cache"]


@functools.lru_cache(maxsize=1)
def worker_cache() -> StageCache:
    """This process's stage cache, kept between the experiments it runs (a Dask worker runs many): in memory, and
    on disk where the environment allows (``forceplan.stagecache``)."""
    return StageCache.from_environment()


def table(plan: Plan, results: dict[int, dict[str, Any]], errors: dict[int, str], seed: int) -> dict[str, list]:
    """One row per task, in task order: inputs, outcomes (NaN where the task failed), status."""
    outcome_names: list[str] = sorted({k for r in results.values() for k in r})
    cols: dict[str, list] = {k: [] for k in ("index", "kind", "future", "policy", "posture", "personnel_cap",
                                             "us_backstop", "strikes_into_aggressor", "ask")}  # fmt: skip
    for u in plan.uncertainties:
        cols[u.name] = []
    for k in outcome_names:
        cols[k] = []
    cols["seed"], cols["status"], cols["error"] = [], [], []
    for t in plan.tasks:
        cols["index"].append(t.index)
        cols["kind"].append(t.kind)
        cols["future"].append(t.future)
        cols["policy"].append(policy_label({k: v for k, v in t.policy.items() if k != "ask"}))
        cols["posture"].append(str(t.policy.get("posture", "reassurance")))
        cols["personnel_cap"].append(int(t.policy.get("personnel_cap", 0)))
        cols["us_backstop"].append(bool(t.policy.get("us_backstop", False)))
        cols["strikes_into_aggressor"].append(bool(t.policy.get("strikes_into_aggressor", False)))
        cols["ask"].append(str(t.policy.get("ask", "")))
        for u in plan.uncertainties:
            cols[u.name].append(t.point[u.name])
        r = results.get(t.index, {})
        for k in outcome_names:
            v = r.get(k, math.nan)
            cols[k].append(float(v))
        cols["seed"].append(seed)
        cols["status"].append("ok" if t.index in results else "failed" if t.index in errors else "missing")
        cols["error"].append(errors.get(t.index, ""))
    return cols


def summarise(
    sc: Scenario, plan: Plan, cols: dict[str, list], seed: int, threshold: float, top_asks: int
) -> dict[str, Any]:
    """Sobol indices (a sobol design, per policy), PRIM boxes (per policy: where it fails to deter), robustness,
    and the top capability requests."""
    ok = [
        i for i, (k, s) in enumerate(zip(cols["kind"], cols["status"], strict=True)) if k == "experiment" and s == "ok"
    ]
    rows = [{"future": cols["future"][i], "policy": cols["policy"][i], "p_worst": cols["p_worst"][i]} for i in ok]
    out: dict[str, Any] = {"threshold": threshold, "robustness": robustness(rows, threshold), "sobol": {}, "prim": {}}
    pols = sorted({r["policy"] for r in rows})
    for pol in pols:
        idx = [i for i in ok if cols["policy"][i] == pol]
        y = np.array([cols["p_worst"][i] for i in idx])
        if plan.design == "sobol" and len(idx) == len(plan.points):
            out["sobol"][pol] = sobol_indices(plan.uncertainties, y, seed)
        # The failure draw picks a realisation, not a condition a planner can name: PRIM leaves it out (its share of
        # the variance is in the Sobol indices).
        named = [u for u in plan.uncertainties if u.name != FAILURE_DRAW]
        x = {u.name: np.array([cols[u.name][i] for i in idx]) for u in named}
        bounds = {u.name: (u.low, u.high) for u in named}
        out["prim"][pol] = prim_box(x, y > threshold, bounds=bounds)
    if top_asks and plan.asks:
        first = policy_label(plan.policies[0])
        base = {cols["future"][i]: cols["p_worst"][i] for i in ok if cols["policy"][i] == first}
        with_ask: dict[str, dict[int, float]] = {}
        for i, (k, s) in enumerate(zip(cols["kind"], cols["status"], strict=True)):
            if k == "ask" and s == "ok":
                with_ask.setdefault(cols["ask"][i], {})[cols["future"][i]] = cols["p_worst"][i]
        from forceplan.explore.model import ask_pledge

        personnel = {c: ask_pledge(sc, c).personnel_per_unit for c in with_ask}
        labels = {c: f"+1 {sc.capability(c).name} at ≤ {ASK_NOTICE_DAYS:g} days' notice" for c in with_ask}
        out["asks"] = rank_asks(base, with_ask, personnel, labels)[:top_asks]
        out["asks_method"] = (
            "one-step marginal analysis: each request alone added to the first policy, in the same "
            f"{min(ASK_FUTURES, len(plan.points))} futures with the same random numbers; ranked by the mean "
            "reduction of the worst threat's P per 1,000 personnel, under the personnel cap"
        )
    return out
