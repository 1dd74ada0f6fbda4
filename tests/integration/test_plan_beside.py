"""The pipeline's second thread: the backstop case, the what-if cases' laydowns and the sustainment run beside the
main chain, and the plan is the same, byte for byte, as with everything on one thread; an error in the chain leaves no
thread behind."""

from __future__ import annotations

import json
import threading

import pytest

import forceplan.plan as plan_module
from forceplan.forcegen import Options
from forceplan.plan import BACKSTOP_STAGE, run_plan
from forceplan.scenario import Scenario

pytestmark = pytest.mark.integration


def small(sc: Scenario, beside: dict[str, float] | None = None) -> str:
    case = ("without GBR", Options(without=frozenset({"GBR"})))
    return run_plan(
        sc, trials=100, assess_trials=600, seed=5, threats=[sc.threats[1].id], beside=beside, cases=[case]
    ).to_json()


def test_beside_the_chain_gives_the_same_plan_as_one_thread(bundled: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    beside: dict[str, float] = {}
    both = small(bundled, beside)
    case_laydown = "case: without United Kingdom, its force and laydown"  # nations by name
    assert set(beside) == {BACKSTOP_STAGE, case_laydown, "sustainment"}, beside
    assert all(s > 0 for s in beside.values())
    # numba's threading layer not safe from several threads: the sustainment in the chain.
    monkeypatch.setattr(plan_module, "_threadsafe_kernels", lambda: False)
    alone: dict[str, float] = {}
    assert small(bundled, alone) == both
    assert set(alone) == {BACKSTOP_STAGE, case_laydown}  # MILPs: safe on any thread
    assert [c["label"] for c in json.loads(both)["cases"]] == ["without GBR"]


def test_an_error_in_the_chain_leaves_no_thread_and_no_assessment(
    bundled: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the stationing broke")

    import forceplan.engagement.assess as assess_module

    assessments: list[object] = []
    monkeypatch.setattr(assess_module, "assess", lambda *a, **k: assessments.append(a))
    monkeypatch.setattr(plan_module, "stationing_cached", broken)
    with pytest.raises(RuntimeError, match="the stationing broke"):
        small(bundled)
    assert not [t for t in threading.enumerate() if t.name.startswith("plan-beside")]
    assert assessments == []  # the sustainment beside stopped at its gate instead of assessing
