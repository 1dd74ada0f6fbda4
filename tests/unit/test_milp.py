"""The HiGHS wrapper: one solver thread by default, so a solution never depends on how many cores solve it."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from forceplan.milp import HighsModel

pytestmark = pytest.mark.unit


def test_one_solver_thread_by_default() -> None:
    """HiGHS's default thread count follows the machine's cores, and a MILP stopped within its gap (the
    offensive's allocation) then returned a different incumbent on different machines: one thread everywhere."""
    m = HighsModel()
    assert m.h.getOptionValue("threads")[1] == 1


def test_models_solved_on_threads_at_once_agree() -> None:
    """Several threads building and solving models at once (the assessment's threats) get exactly what one
    thread gets: a hand-solvable knapsack, max 5a + 4b + 3c with 2a + 3b + c ≤ 5, binaries → a = b = 1 (9;
    a + c gives 8, b + c gives 7)."""

    def solve() -> list[float]:
        m = HighsModel()
        x = m.add_vars(np.zeros(3), np.ones(3))
        m.add_row(x, [2.0, 3.0, 1.0], -np.inf, 5.0)
        info, sol = m.solve("knapsack", [5.0, 4.0, 3.0], "max")
        assert info.objective == pytest.approx(9.0)
        return [round(v) for v in sol[x]]

    out: list[list[float]] = []
    threads = [threading.Thread(target=lambda: out.append(solve())) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == [[1, 1, 0]] * 6


def test_options_reach_highs_and_bad_ones_are_refused() -> None:
    """Options given to the model are HiGHS's for every solve; a name HiGHS does not know, or a value out of its
    range, is an error at once, never silently a different solver setting."""
    m = HighsModel(options={"mip_allow_restart": False, "mip_heuristic_run_root_reduced_cost": False})
    assert m.h.getOptionValue("mip_allow_restart")[1] is False
    assert m.h.getOptionValue("mip_heuristic_run_root_reduced_cost")[1] is False
    assert HighsModel().h.getOptionValue("mip_allow_restart")[1] is True  # defaults untouched otherwise
    for bad in ({"no_such_option": 1}, {"mip_allow_restart": "maybe"}, {"mip_rel_gap": -1.0}):
        with pytest.raises(ValueError, match="HiGHS refused option"):
            HighsModel(options=bad)


def test_larger_models_solved_on_threads_at_once_agree_with_serial_solves() -> None:
    """HiGHS runs without a lock (each calling thread gets its own scheduler): generalised assignment problems
    big enough to branch (tens of milliseconds each), solved four at a time on threads, give exactly the solutions
    and objectives one thread gives."""
    rng = np.random.default_rng(7)
    problems = []
    for _ in range(4):
        items, bins = 60, 8
        weight = rng.integers(5, 30, size=(items, bins)).astype(float)
        value = rng.integers(1, 40, size=(items, bins)).astype(float)
        problems.append((weight, value, np.full(bins, weight.sum() / bins / 2.5)))

    def solve(weight: np.ndarray, value: np.ndarray, cap: np.ndarray) -> tuple[float | None, list[int]]:
        items, bins = weight.shape
        m = HighsModel()
        x = m.add_vars(np.zeros(items * bins), np.ones(items * bins)).reshape(items, bins)
        for i in range(items):
            m.add_row(x[i], np.ones(bins), -np.inf, 1.0)
        for j in range(bins):
            m.add_row(x[:, j], weight[:, j], -np.inf, cap[j])
        info, sol = m.solve("assignment", value.ravel(), "max")
        assert info.optimal
        return info.objective, [round(v) for v in sol[x.ravel()]]

    serial = [solve(*p) for p in problems]
    for _ in range(2):
        out: dict[int, tuple[float | None, list[int]]] = {}

        def one(k: int, out: dict[int, tuple[float | None, list[int]]] = out) -> None:
            out[k] = solve(*problems[k])

        threads = [threading.Thread(target=one, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [out[k] for k in range(4)] == serial
