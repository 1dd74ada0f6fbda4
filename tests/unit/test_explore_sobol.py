"""Sobol indices need a model that is a deterministic function of the design's inputs: the rows A, B and AB_i of
Saltelli's scheme may differ only in the inputs the design changes. The pledges' failure uniforms come from the
design's failure-draw input (``explore.model.failure_uniforms``), never from a stream keyed by the row; these tests
show on functions with known indices, through the same design and analysis (``space.sample``,
``analysis.sobol_indices``), that keying by the row biases the indices and keying by the input recovers them, and
that in the real model a higher attrition with the same draw fails a superset of the pledges."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forceplan.engagement.outcome import default_outcome_model
from forceplan.explore.analysis import sobol_indices
from forceplan.explore.model import apply, failure_uniforms
from forceplan.explore.space import FAILURE_DRAW, Uncertainty, sample
from forceplan.scenario import Scenario

pytestmark = pytest.mark.unit

SEED = 11
N_BASE = 1024
DRAW = Uncertainty(FAILURE_DRAW, 0.0, 1.0, "", "")


def by_input(x: np.ndarray) -> np.ndarray:
    """The fix: each row's uniform is a function of its failure-draw input (the design's last column)."""
    return np.array([failure_uniforms(SEED, float(d), 1)[0] for d in x[:, -1]])


def by_row(x: np.ndarray) -> np.ndarray:
    """The old keying: each row's uniform from a stream keyed by the row's index, whatever its inputs."""
    rows = range(len(x))
    return np.array([np.random.default_rng(np.random.SeedSequence(SEED, spawn_key=(j, 1))).random() for j in rows])


def linear(x: np.ndarray, u: np.ndarray) -> np.ndarray:
    """y = x1 + x2 + U, each uniform on [0, 1]: every first- and total-order index is 1/3."""
    return x[:, 0] + x[:, 1] + u


def ishigami(x: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Ishigami (a = 7, b = 0.1) with x3 = π(2U − 1) driven by the failure draw."""
    z = math.pi * (2 * u - 1)
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * z**4 * np.sin(x[:, 0])


CASES = {
    # name: (ranges of x1 and x2, model, known S1, known ST), the failure draw last
    "linear": ((0.0, 1.0), linear, {"x1": 1 / 3, "x2": 1 / 3, FAILURE_DRAW: 1 / 3},
               {"x1": 1 / 3, "x2": 1 / 3, FAILURE_DRAW: 1 / 3}),
    # Ishigami and Homma (1990); Saltelli et al. (2008), Global Sensitivity Analysis: The Primer, §4.
    "ishigami": ((-math.pi, math.pi), ishigami, {"x1": 0.3139, "x2": 0.4424, FAILURE_DRAW: 0.0},
                 {"x1": 0.5576, "x2": 0.4424, FAILURE_DRAW: 0.2437}),
}  # fmt: skip


def indices(case: str, keying: Callable[[np.ndarray], np.ndarray]) -> dict[str, dict[str, float]]:
    (low, high), f, _, _ = CASES[case]
    us = [Uncertainty("x1", low, high, "", ""), Uncertainty("x2", low, high, "", ""), DRAW]
    x = sample(us, "sobol", N_BASE, seed=SEED)
    return {r["uncertainty"]: r for r in sobol_indices(us, f(x, keying(x)), seed=SEED)}


def misses(got: dict[str, dict[str, float]], case: str) -> list[str]:
    """The indices whose 95 % interval (widened by 0.01 for the estimator's own error) misses the known value."""
    _, _, s1, st_ = CASES[case]
    out = []
    for name in s1:
        if abs(got[name]["S1"] - s1[name]) > got[name]["S1_conf"] + 0.01:
            out.append(f"S1 {name}: {got[name]['S1']:.3f} ± {got[name]['S1_conf']:.3f}, known {s1[name]:.4f}")
        if abs(got[name]["ST"] - st_[name]) > got[name]["ST_conf"] + 0.01:
            out.append(f"ST {name}: {got[name]['ST']:.3f} ± {got[name]['ST_conf']:.3f}, known {st_[name]:.4f}")
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_failure_draw_as_an_input_recovers_the_known_indices(case: str) -> None:
    got = indices(case, by_input)
    assert misses(got, case) == []


def test_draws_keyed_by_the_row_bias_the_indices() -> None:
    """Keyed by the row, the uniform is noise that differs between A and AB_i: every total-order index is inflated
    by the noise's share (x1's ST near 2/3 instead of 1/3) and the draw's own first-order index falls to 0."""
    got = indices("linear", by_row)
    assert got["x1"]["ST"] - got["x1"]["ST_conf"] > 0.5 and got["x2"]["ST"] - got["x2"]["ST_conf"] > 0.5
    assert got[FAILURE_DRAW]["S1"] + got[FAILURE_DRAW]["S1_conf"] < 0.1
    assert len(misses(got, "linear")) >= 3
    ish = indices("ishigami", by_row)  # x2's ST: 1 − S1(x1) ≈ 0.69 instead of 0.44
    assert ish["x2"]["ST"] - ish["x2"]["ST_conf"] > 0.55 and misses(ish, "ishigami")


def test_failure_uniforms_are_a_function_of_the_draw_and_uniform_over_draws() -> None:
    a = failure_uniforms(SEED, 0.25, 94)
    assert np.array_equal(a, failure_uniforms(SEED, 0.25, 94))
    assert not np.array_equal(a, failure_uniforms(SEED, 0.2500001, 94))
    assert not np.array_equal(a, failure_uniforms(SEED + 1, 0.25, 94))
    assert failure_uniforms(SEED, 1.0, 3).shape == (3,) and failure_uniforms(SEED, 0.0, 0).shape == (0,)
    with pytest.raises(ValueError, match="pledge_failure_draw"):
        failure_uniforms(SEED, 1.5, 3)
    # Over draws spread on [0, 1], each pledge's uniform is uniform and two pledges' are uncorrelated.
    from scipy.stats import kstest

    u = np.array([failure_uniforms(SEED, d, 2) for d in (np.arange(2000) + 0.5) / 2000])
    assert kstest(u[:, 0], "uniform").pvalue > 0.001 and kstest(u[:, 1], "uniform").pvalue > 0.001
    assert abs(np.corrcoef(u[:, 0], u[:, 1])[0, 1]) < 0.1


@settings(max_examples=25, deadline=None)
@given(draw=st.floats(0.0, 1.0), low=st.floats(0.5, 1.5), high=st.floats(0.5, 1.5))
def test_with_the_same_draw_a_higher_attrition_fails_a_superset_of_the_pledges(
    bundled: Scenario, draw: float, low: float, high: float
) -> None:
    low, high = min(low, high), max(low, high)
    model = default_outcome_model()
    policy = {"posture": "reassurance"}
    kept = {}
    for m in (low, high):
        sc2, _, _, failed = apply(bundled, policy, {"pledge_attrition": m, FAILURE_DRAW: draw}, SEED, model)
        kept[m] = {p.id for p in sc2.pledges}
        assert failed == len(bundled.pledges) - len(kept[m])
    assert kept[high] <= kept[low]
    again, _, _, _ = apply(bundled, policy, {"pledge_attrition": high, FAILURE_DRAW: draw}, SEED, model)
    assert {p.id for p in again.pledges} == kept[high]  # a function of the point: no state between calls


def test_prim_never_names_the_failure_draw(bundled: Scenario) -> None:
    """The draw picks a realisation of which pledges fail, not a condition anyone can act on: even where it decides
    every failure, PRIM's box never restricts it."""
    from forceplan.explore.experiments import plan_exploration, summarise, table
    from forceplan.explore.space import default_policies

    plan = plan_exploration(bundled, "lhs", 64, SEED, {**default_policies(bundled), "posture": ("reassurance",)})
    results = {t.index: {"p_worst": 0.9 if t.point[FAILURE_DRAW] < 0.3 else 0.1} for t in plan.tasks}
    box = summarise(bundled, plan, table(plan, results, {}, SEED), SEED, 0.5, 0)["prim"]["reassurance, cap 30,000"]
    assert box is None or FAILURE_DRAW not in box["limits"], box
    assert sum(r["p_worst"] > 0.5 for r in results.values()) > 0  # the draw did decide failures
