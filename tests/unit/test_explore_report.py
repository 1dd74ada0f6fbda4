"""The exploration's analysis and page in words (issue #26): Wilson intervals, PRIM boxes shown only when they
narrow the space, uncertainties named, requests in plain language."""

from __future__ import annotations

import numpy as np
import pytest

from forceplan.explore.analysis import prim_box, robustness, wilson_interval
from forceplan.explore.space import describe_policy, uncertainties
from forceplan.report.explore_html import ask_sentences, first_upper, render_explore
from forceplan.scenario import Scenario
from tests.leaks import find_leaks

pytestmark = pytest.mark.unit


def test_wilson_interval_matches_hand_values() -> None:
    # 2 of 12: Wilson 95 %: centre (1/6 + 1.92/12)/(1 + 3.84/12), from the formula by hand: 0.047 to 0.448.
    low, high = wilson_interval(2, 12)
    assert low == pytest.approx(0.0470, abs=5e-4) and high == pytest.approx(0.4480, abs=5e-4)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_prim_box_narrows_only_where_failures_concentrate() -> None:
    rng = np.random.default_rng(3)
    x = {"a": rng.uniform(0, 1, 400), "b": rng.uniform(0, 1, 400)}
    box = prim_box(x, x["a"] > 0.7, bounds={"a": (0, 1), "b": (0, 1)})
    assert box is not None and box["narrows"] and set(box["narrowed"]) == {"a"}
    assert box["narrowed"]["a"]["share_of_range"] == pytest.approx(0.3, abs=0.05)
    spread = prim_box(x, rng.uniform(0, 1, 400) > 0.5, bounds={"a": (0, 1), "b": (0, 1)})
    assert spread is not None and not spread["narrows"], spread


def test_robustness_counts_the_best_posture_and_intervals() -> None:
    rows = [{"future": f, "policy": p, "p_worst": v} for f in range(4) for p, v in (("x", 0.2 + f / 10), ("y", 0.4))]
    by = {r["policy"]: r for r in robustness(rows, 0.35)}
    assert by["x"]["meeting_threshold"] == 2 and by["y"]["meeting_threshold"] == 0
    # x is best in futures 0-2 (future 2 a tie, counted for both), y in futures 2 and 3.
    assert by["x"]["futures_best"] == 3 and by["y"]["futures_best"] == 2
    assert by["x"]["share_ci_low"] < 0.5 < by["x"]["share_ci_high"]


def test_the_page_names_everything(bundled: Scenario) -> None:
    us = uncertainties(bundled)
    cols = {"status": ["ok"], "kind": ["experiment"], "policy": ["tripwire"], "personnel_matched": [25_000],
            "p_worst": [0.4], "future": [0]}  # fmt: skip
    summary = {
        "threshold": 0.5,
        "robustness": robustness([{"future": 0, "policy": "tripwire", "p_worst": 0.4}], 0.5),
        "prim": {
            "tripwire": {
                "limits": {us[0].name: {"min": 0.9, "max": 1.3}},
                "coverage": 0.8,
                "density": 0.9,
                "cases_inside": 5,
                "cases_failing": 5,
                "cases": 20,
                "base_rate": 0.25,
                "share_of_range": {us[0].name: 0.67},
                "narrowed": {us[0].name: {"min": 0.9, "max": 1.3, "share_of_range": 0.67}},
                "narrows": True,
            }
        },
        "sobol": {},
        "asks": [
            {
                "capability": "armd_bn",
                "ask": "+1 Armoured (tank) battalion at ≤ 30 days' notice",
                "personnel": 550,
                "p_worst_reduction": 0.012,
                "reduction_per_1000_personnel": 0.0218,
                "standard_error": 0.01,
                "distinguishable": False,
                "futures": 8,
            }
        ],
        "asks_method": "one-step marginal analysis",
    }
    meta = {"scenario": "ukraine-2025", "scenario_digest": "0" * 64, "design": "lhs", "futures": 1, "policies": 1,
            "experiments": 1, "asks": 0, "trials": 100, "response_trials": 10, "seed": 0, "workers": 1, "failed": 0,
            "forceplan_version": "0"}  # fmt: skip
    html = render_explore("t", meta, cols, summary, sc=bundled,
                          policies=[{"label": "tripwire", "description": describe_policy({"posture": "tripwire"})}],
                          uncertainties=us)  # fmt: skip
    text = html[: html.index("<script")].replace("&#39;", "'")
    assert "Attacker's strength, Zaporizhzhia axis (× stated)" in text
    assert "Light presence near the line" in text or "light presence near the line" in text
    assert "Not computed: Sobol indices need a Saltelli design" in text
    assert "cannot be told from no change" in ask_sentences(summary)[0]
    assert not find_leaks(text, bundled), find_leaks(text, bundled)


def test_a_narrowing_box_gets_its_chart_on_the_right_axes(bundled: Scenario) -> None:
    import json
    import re

    us = uncertainties(bundled)
    rng = np.random.default_rng(1)
    n = 60
    cols: dict[str, list] = {u.name: list(rng.uniform(u.low, u.high, n)) for u in us}
    a, b = np.array(cols[us[0].name]), np.array(cols[us[1].name])
    p = list(0.3 + 0.4 * ((a > 1.1) & (b < 1.0)) + rng.uniform(0, 0.1, n))
    cols |= {"status": ["ok"] * n, "kind": ["experiment"] * n, "policy": ["tripwire"] * n,
             "personnel_matched": [25_000] * n, "p_worst": p, "future": list(range(n))}  # fmt: skip
    box = prim_box({u.name: np.array(cols[u.name]) for u in us}, np.array(p) > 0.5,
                   bounds={u.name: (u.low, u.high) for u in us})  # fmt: skip
    assert box is not None and set(box["narrowed"]) == {us[0].name, us[1].name}
    rows = [{"future": i, "policy": "tripwire", "p_worst": p[i]} for i in range(n)]
    summary = {"threshold": 0.5, "prim": {"tripwire": box}, "sobol": {}, "robustness": robustness(rows, 0.5)}
    meta = {"scenario": "s", "scenario_digest": "0" * 64, "design": "lhs", "futures": n, "policies": 1,
            "experiments": n, "asks": 0, "trials": 100, "response_trials": 10, "seed": 0, "workers": 1, "failed": 0,
            "forceplan_version": "0"}  # fmt: skip
    html = render_explore("t", meta, cols, summary, sc=bundled, uncertainties=us)
    data = json.loads(re.search(r'id="explore-data">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    chart = data["prim"]["tripwire"]
    assert chart["x_name"] == "Attacker's strength, Zaporizhzhia axis (× stated)"
    assert sum(chart["fails"]) == int(box["cases_failing"]) and len(chart["x"]) == n
    assert 'class="chart prim"' in html


def test_a_policy_name_keeps_its_capitals_when_it_starts_a_sentence() -> None:
    assert first_upper("tripwire, cap 30,000, US backstop") == "Tripwire, cap 30,000, US backstop"
    assert first_upper("") == ""
