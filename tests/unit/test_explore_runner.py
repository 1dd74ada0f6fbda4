"""The Dask runner's pure parts: experiment keys (unique to what a result depends on), the idle tail and the gaps
between tasks computed from the workers' task spans, and the local cluster's settings."""

from __future__ import annotations

import dataclasses

import pytest

from forceplan.cluster.runner import LOCAL_CLUSTER_CONFIG, RunStats, ScenarioBundle, task_key
from forceplan.explore.experiments import plan_exploration
from forceplan.explore.space import default_policies

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def bundle_and_tasks(bundled):  # type: ignore[no-untyped-def]
    plan = plan_exploration(bundled, "lhs", 3, 0, {**default_policies(bundled), "posture": ("reassurance",)})
    return ScenarioBundle.of(bundled), plan.tasks


def test_a_key_is_the_same_for_the_same_inputs_and_differs_for_any_other(bundle_and_tasks) -> None:  # type: ignore[no-untyped-def]
    bundle, tasks = bundle_and_tasks
    t = tasks[0]
    key = task_key(bundle, t, 0, 1000, 200)
    assert key == task_key(bundle, t, 0, 1000, 200)
    assert key.startswith("explore-") and key.endswith(f"-{t.index}")
    other_point = dataclasses.replace(t, point={**t.point, "decision_delay_h": t.point["decision_delay_h"] + 1})
    other_policy = dataclasses.replace(t, policy={**t.policy, "posture": "forward"})
    other_bundle = dataclasses.replace(bundle, digest="0" * 64)
    variants = [
        task_key(bundle, t, 1, 1000, 200),  # seed
        task_key(bundle, t, 0, 999, 200),  # assessment trials
        task_key(bundle, t, 0, 1000, 199),  # response trials
        task_key(bundle, other_point, 0, 1000, 200),
        task_key(bundle, other_policy, 0, 1000, 200),
        task_key(other_bundle, t, 0, 1000, 200),  # another scenario
        *(task_key(bundle, u, 0, 1000, 200) for u in tasks[1:]),
    ]
    assert len({key, *variants}) == len(variants) + 1


def test_the_same_task_index_of_two_explorations_gets_two_keys(bundle_and_tasks, bundled) -> None:  # type: ignore[no-untyped-def]
    bundle, tasks = bundle_and_tasks
    again = plan_exploration(bundled, "lhs", 3, 7, {**default_policies(bundled), "posture": ("reassurance",)}).tasks
    assert tasks[0].index == again[0].index == 0
    assert task_key(bundle, tasks[0], 0, 1000, 200) != task_key(bundle, again[0], 0, 1000, 200)


def test_idle_tail_and_gaps_from_hand_made_spans() -> None:
    spans = {
        101: [(0.0, 2.0), (2.1, 4.0), (4.05, 7.0)],  # gaps 0.1 and 0.05; ends last, at 7.0
        102: [(0.0, 3.0), (3.2, 5.5)],  # gap 0.2; idle from 5.5 to 7.0
    }
    st = RunStats(wall_s=8.0, task_s=[2.0, 1.9, 2.95, 3.0, 2.3], workers=2, spans=spans)
    assert sorted(st.dispatch_gaps_s()) == pytest.approx([0.05, 0.1, 0.2])
    assert st.idle_tail_s() == pytest.approx(1.5)
    assert RunStats(1.0, [], 1).idle_tail_s() == 0.0 and RunStats(1.0, [], 1).dispatch_gaps_s() == []


def test_the_local_cluster_sends_tasks_at_once_steals_soon_and_samples_itself_rarely() -> None:
    from dask.utils import parse_timedelta

    assert LOCAL_CLUSTER_CONFIG["distributed.scheduler.worker-saturation"] == float("inf")
    assert LOCAL_CLUSTER_CONFIG["distributed.worker.profile.enabled"] is False
    for name in ("admin.tick.interval", "admin.system-monitor.interval", "worker.memory.monitor-interval"):
        assert parse_timedelta(LOCAL_CLUSTER_CONFIG[f"distributed.{name}"]) >= 1.0
    assert parse_timedelta(LOCAL_CLUSTER_CONFIG["distributed.scheduler.work-stealing-interval"]) <= 0.1


def test_the_scenario_views_digest_as_the_general_digest_does(bundled) -> None:  # type: ignore[no-untyped-def]
    """The views skip ``_plain``'s walk (the scenario's JSON is plain already): the keys, and so every stage result
    stored before, stay the same. Checked on the bundled scenario, on a renamed copy (non-ASCII), and on odd JSON
    values (infinity, negative zero, nesting, unsorted keys)."""
    from forceplan.stagecache import FORCEGEN_IGNORES, STATIONING_IGNORES, ScenarioViews, digest_of, digest_of_json

    renamed = bundled.model_copy(update={"name": "Україна 2025 — test"})
    for sc in (bundled, renamed):
        v = ScenarioViews(sc)
        data = v._data
        st = {k: x for k, x in data.items() if k not in STATIONING_IGNORES}
        st["threats"] = [{k: t[k] for k in ("id", "name", "axis", "weight")} for t in data["threats"]]
        st["parameters"] = {k: x for k, x in data["parameters"].items() if k == "road_circuity_factor"}
        assert v.full == digest_of(data)
        assert v.forcegen == digest_of({k: x for k, x in data.items() if k not in FORCEGEN_IGNORES})
        assert v.stationing == digest_of(st)
    assert ScenarioViews(bundled).full != ScenarioViews(renamed).full
    for odd in ({"b": [1, 2.5, None, True], "a": {"z": "ü", "y": []}}, [float("inf"), -0.0, 1e-300], "x", 3):
        assert digest_of_json(odd) == digest_of(odd)
