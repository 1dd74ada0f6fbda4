"""The exploration's analyses on cases with known answers: Sobol indices of the Ishigami function, PRIM on a
synthetic box, robustness and the ranking of requests by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from forceplan.explore.analysis import prim_box, rank_asks, robustness, sobol_indices
from forceplan.explore.space import Uncertainty, sample

pytestmark = pytest.mark.unit


def test_sobol_indices_of_the_ishigami_function_match_the_known_values() -> None:
    us = [Uncertainty(n, -math.pi, math.pi, "", "") for n in ("x1", "x2", "x3")]
    x = sample(us, "sobol", 2048, seed=1)
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    # Analytic values (a = 7, b = 0.1): Ishigami and Homma (1990); Saltelli et al. (2008), Global Sensitivity
    # Analysis: The Primer, §4.
    s1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
    st = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}
    got = {r["uncertainty"]: r for r in sobol_indices(us, y, seed=1)}
    for name in s1:
        assert abs(got[name]["S1"] - s1[name]) <= got[name]["S1_conf"] + 0.01, (name, got[name])
        assert abs(got[name]["ST"] - st[name]) <= got[name]["ST_conf"] + 0.01, (name, got[name])
    assert next(iter(sobol_indices(us, y, seed=1)))["uncertainty"] == "x1"  # sorted by total order


def test_prim_finds_a_known_box() -> None:
    rng = np.random.default_rng(3)
    x = {k: rng.uniform(0, 1, 2000) for k in ("a", "b", "c")}
    fails = (x["a"] > 0.6) & (x["b"] < 0.3)
    box = prim_box(x, fails)
    assert box is not None
    assert set(box["limits"]) == {"a", "b"}  # c does not matter
    assert box["limits"]["a"]["min"] == pytest.approx(0.6, abs=0.03)
    assert box["limits"]["b"]["max"] == pytest.approx(0.3, abs=0.03)
    assert box["coverage"] >= 0.9 and box["density"] >= 0.9
    assert prim_box(x, np.zeros(2000, dtype=bool)) is None


def test_robustness_by_hand() -> None:
    rows = [
        {"future": 0, "policy": "A", "p_worst": 0.2}, {"future": 0, "policy": "B", "p_worst": 0.4},
        {"future": 1, "policy": "A", "p_worst": 0.5}, {"future": 1, "policy": "B", "p_worst": 0.3},
        {"future": 2, "policy": "A", "p_worst": 0.3}, {"future": 2, "policy": "B", "p_worst": 0.3},
    ]  # fmt: skip
    out = {r["policy"]: r for r in robustness(rows, threshold=0.33)}
    assert out["A"]["share_meeting_threshold"] == pytest.approx(2 / 3)
    assert out["B"]["share_meeting_threshold"] == pytest.approx(2 / 3)
    assert out["A"]["regret_max"] == pytest.approx(0.2) and out["B"]["regret_max"] == pytest.approx(0.2)
    assert out["A"]["regret_mean"] == pytest.approx(0.2 / 3) and out["B"]["regret_mean"] == pytest.approx(0.2 / 3)


def test_requests_are_ranked_per_thousand_personnel() -> None:
    base = {0: 0.5, 1: 0.6}
    with_ask = {"big": {0: 0.4, 1: 0.5}, "small": {0: 0.48, 1: 0.58}}
    ranked = rank_asks(base, with_ask, {"big": 800, "small": 100}, {"big": "+1 big", "small": "+1 small"})
    # big: 0.1 / 0.8 = 0.125 per 1,000; small: 0.02 / 0.1 = 0.2 per 1,000: the small one first.
    assert [a["capability"] for a in ranked] == ["small", "big"]
    assert ranked[0]["reduction_per_1000_personnel"] == pytest.approx(0.2)
    assert ranked[1]["p_worst_reduction"] == pytest.approx(0.1)
