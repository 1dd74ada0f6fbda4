"""A thin layer over HiGHS (``highspy``) for the project's MILPs: build from sparse arrays, solve in
lexicographic stages, and report status, objective, best bound and gap honestly.

A stage stopped by its time limit is reported with ``optimal = False`` and its gap; it is never called optimal.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

_HIGHS_LOCK = threading.RLock()
"""A new solver object prints a banner, so its creation silences the process's stdout (a process-wide file
descriptor): creations from several threads wait for each other. Runs do not: HiGHS gives each calling thread a task
scheduler of its own (HiGHS PR #818, 2022), every model here runs on one thread, and ``run`` releases the
interpreter lock, so the pipeline's stages solve side by side (tests/unit/test_milp.py runs solves on threads and
compares them with serial ones)."""

log = logging.getLogger(__name__)


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence C-level stdout (HiGHS prints a banner when a solver object is created)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # pytest capture or a notebook: nothing to redirect
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


@dataclass(frozen=True)
class StageInfo:
    """The outcome of one solve: what was optimised, and how far it is proven."""

    stage: str
    sense: str
    status: str
    optimal: bool
    objective: float | None
    bound: float | None
    gap: float | None
    time_s: float

    def as_dict(self, with_time: bool = False) -> dict[str, object]:
        d: dict[str, object] = {
            "stage": self.stage,
            "sense": self.sense,
            "status": self.status,
            "optimal": self.optimal,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
        }
        if with_time:
            d["time_s"] = self.time_s
        return d


def _highspy() -> Any:
    """HiGHS, imported on the first solve: a run that reads every stage from the cache, and the command line's
    start, never load it (0.1-0.2 s)."""
    import highspy

    return highspy


class HighsModel:
    """A MILP held in one HiGHS object, so that later stages start from the earlier solution."""

    def __init__(
        self,
        time_limit_s: float = 60.0,
        mip_rel_gap: float = 0.0,
        threads: int | None = 1,
        options: Mapping[str, bool | int | float | str] | None = None,
    ):
        """``options``: further HiGHS options (name → value) for every solve of this model; an unknown name or a
        bad value raises ValueError."""
        with _HIGHS_LOCK, _quiet_stdout():
            self.h = _highspy().Highs()
        self.h.setOptionValue("output_flag", False)
        self.h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
        self.h.setOptionValue("random_seed", 0)
        if threads is not None:
            self.h.setOptionValue("threads", int(threads))
        for name, value in (options or {}).items():
            if self.h.setOptionValue(name, value) != _highspy().HighsStatus.kOk:
                raise ValueError(f"HiGHS refused option {name} = {value!r}")
        self.time_limit_s = float(time_limit_s)
        self.n = 0

    def add_vars(self, lb: ArrayLike, ub: ArrayLike, integer: bool = True) -> NDArray[np.int32]:
        """Add columns with bounds; returns their indices."""
        lb_a = np.asarray(lb, dtype=float)
        ub_a = np.broadcast_to(np.asarray(ub, dtype=float), lb_a.shape).copy()
        k = len(lb_a)
        idx = np.arange(self.n, self.n + k, dtype=np.int32)
        if k:
            self.h.addVars(k, lb_a, ub_a)
            if integer:
                kinds = np.full(k, _highspy().HighsVarType.kInteger)
                self.h.changeColsIntegrality(k, idx, kinds)
        self.n += k
        return idx

    def add_rows(
        self, starts: ArrayLike, index: ArrayLike, value: ArrayLike, lower: ArrayLike, upper: ArrayLike
    ) -> None:
        """Add rows given in compressed sparse row form (``starts`` has one entry per row)."""
        lo = np.asarray(lower, dtype=float)
        if len(lo) == 0:
            return
        idx = np.asarray(index, dtype=np.int32)
        self.h.addRows(
            len(lo),
            lo,
            np.asarray(upper, dtype=float),
            len(idx),
            np.asarray(starts, dtype=np.int32),
            idx,
            np.asarray(value, dtype=float),
        )

    def add_row(self, index: ArrayLike, value: ArrayLike, lower: float, upper: float) -> None:
        self.add_rows([0], index, value, [lower], [upper])

    def solve(
        self,
        stage: str,
        cost: ArrayLike,
        sense: str = "max",
        start: ArrayLike | None = None,
        rel_gap: float = 0.0,
    ) -> tuple[StageInfo, NDArray[np.float64]]:
        """Optimise ``cost · x`` (over all columns) and return the stage's report and the column values.

        ``start``, if given, is a feasible solution handed to HiGHS as its first incumbent. ``rel_gap`` > 0 stops
        the search within that relative gap; the stage is then reported optimal only if its gap is zero."""
        c = np.zeros(self.n)
        c_in = np.asarray(cost, dtype=float)
        c[: len(c_in)] = c_in
        self.h.changeColsCost(self.n, np.arange(self.n, dtype=np.int32), c)
        self.h.changeObjectiveSense(_highspy().ObjSense.kMaximize if sense == "max" else _highspy().ObjSense.kMinimize)
        self.h.setOptionValue("time_limit", self.time_limit_s)
        self.h.setOptionValue("mip_rel_gap", float(rel_gap))
        if start is not None:
            x0 = np.zeros(self.n)
            s0 = np.asarray(start, dtype=float)
            x0[: len(s0)] = s0
            sol = _highspy().HighsSolution()
            sol.col_value = list(x0)
            sol.value_valid = True
            self.h.setSolution(sol)
        t0 = time.perf_counter()
        self.h.run()
        elapsed = time.perf_counter() - t0
        status = self.h.getModelStatus()
        text = self.h.modelStatusToString(status).lower()
        info = self.h.getInfo()
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        x = np.asarray(self.h.getSolution().col_value, dtype=float) if has_solution else np.zeros(self.n)
        solved = status == _highspy().HighsModelStatus.kOptimal
        objective = float(info.objective_function_value) if has_solution else None
        bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else objective if solved else None
        gap = float(info.mip_gap) if has_solution and np.isfinite(info.mip_gap) else (0.0 if solved else None)
        if (
            solved
            and objective is not None
            and bound is not None
            and abs(objective - bound) <= 1e-9 * max(1, abs(bound))
        ):
            gap = 0.0
        optimal = solved and gap == 0.0
        if solved and not optimal:
            text = f"stopped within the gap tolerance ({100 * rel_gap:g} %)"
        log.info(
            "HiGHS %s (%s, %d columns): %s in %.2f s, objective %s, gap %s",
            stage,
            sense,
            self.n,
            text,
            elapsed,
            objective,
            gap,
        )
        return StageInfo(stage, sense, text, optimal, objective, bound, gap, elapsed), x

    @staticmethod
    def proven(stage: str, sense: str, objective: float) -> StageInfo:
        """A stage proven optimal without a solve (its incumbent meets a known bound)."""
        return StageInfo(stage, sense, "optimal (incumbent meets the bound)", True, objective, objective, 0.0, 0.0)
