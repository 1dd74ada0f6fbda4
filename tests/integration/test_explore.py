"""``forceplan explore`` on the bundled scenario with a small design, on Dask: the same seed gives the same
Parquet with one worker and with two worker processes behind a real scheduler on loopback; a failed task is
reported with its inputs; an interrupted run resumes; the request ranking equals a brute-force evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from forceplan.cli.app import run
from forceplan.stagecache import code_fingerprint

pytestmark = pytest.mark.integration

SMALL = ["ukraine-2025", "--n", "2", "--trials", "100", "--response-trials", "10", "--seed", "5",
         "--lever", "posture=reassurance,forward"]  # fmt: skip


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("explore") / "w1"
    assert run(["explore", *SMALL, "--workers", "1", "--out", str(out)]) == 0
    return out


def test_a_small_exploration_writes_its_table_summary_and_report(one_worker: Path) -> None:
    t = pq.read_table(one_worker / "experiments.parquet").to_pydict()
    assert len(t["index"]) == 4 and set(t["posture"]) == {"reassurance", "forward"}
    assert set(t["status"]) == {"ok"} and all(0 <= p <= 1 for p in t["p_worst"])
    assert t["future"] == [0, 0, 1, 1]  # every policy meets every future
    doc = json.loads((one_worker / "summary.json").read_text())
    assert {r["policy"] for r in doc["robustness"]} == {"reassurance, cap 30,000", "forward, cap 30,000"}
    assert doc["meta"]["experiments"] == 4 and doc["failures"] == []
    # "Deters" is judged against the scenario's deterrence threshold, the plan's line (it was 0.5 before).
    from forceplan.scenario import load_scenario

    assert doc["threshold"] == load_scenario("ukraine-2025").deterrence_threshold == 0.25
    assert "which force deters" in (one_worker / "explore.html").read_text()


def test_same_seed_same_parquet_on_a_real_scheduler_with_two_workers(one_worker: Path, tmp_path: Path) -> None:
    from forceplan.cluster.runner import start_local_cluster

    with start_local_cluster(2) as cluster:
        out = tmp_path / "w2"
        assert run(["explore", *SMALL, "--scheduler", cluster.scheduler_address, "--out", str(out)]) == 0
    assert (out / "experiments.parquet").read_bytes() == (one_worker / "experiments.parquet").read_bytes()


def test_a_failed_task_is_reported_with_its_inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCEPLAN_TEST_FAIL_TASK", "1")
    out = tmp_path / "fail"
    assert run(["explore", *SMALL, "--workers", "1", "--out", str(out)]) == 1
    doc = json.loads((out / "summary.json").read_text())
    assert [f["index"] for f in doc["failures"]] == [1]
    assert doc["failures"][0]["policy"]["posture"] == "forward" and "attacker_strength.T1-zaporizhzhia" in doc[
        "failures"][0]["point"]  # fmt: skip
    assert "injected failure" in doc["failures"][0]["error"]
    t = pq.read_table(out / "experiments.parquet").to_pydict()
    assert t["status"] == ["ok", "failed", "ok", "ok"] and np.isnan(t["p_worst"][1])


def test_an_interrupted_run_resumes_with_what_it_finished(one_worker: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    out = tmp_path / "again"
    partial = tmp_path / "again.partial"
    partial.mkdir()
    t = pq.read_table(one_worker / "experiments.parquet").to_pydict()
    outcome_names = [k for k in t if k.startswith(("p_", "first_effect_h.", "personnel_matched", "personnel_stationed",
                                                   "unfilled", "shortfall", "pledges_failed"))]  # fmt: skip
    key = json.loads(json.dumps({
        "scenario_digest": json.loads((one_worker / "summary.json").read_text())["meta"]["scenario_digest"],
        "design": "lhs", "n": 2, "seed": 5, "trials": 100, "ask": 0, "response_trials": 10,
        "choices": {"personnel_cap": [30000], "posture": ["reassurance", "forward"], "strikes_into_aggressor": [False],
                    "us_backstop": [False]}, "ask_from": [], "code": code_fingerprint(),
    }, sort_keys=True))  # fmt: skip
    lines = [json.dumps(key, sort_keys=True)]
    for i in (0, 2):  # two of four finished before the interruption
        lines.append(json.dumps({"index": i, "outcomes": {k: (None if isinstance(t[k][i], float) and np.isnan(t[k][i])
                                                              else t[k][i]) for k in outcome_names}}))  # fmt: skip
    (partial / "results.jsonl").write_text("\n".join(lines) + "\n")
    assert run(["explore", *SMALL, "--workers", "1", "--out", str(out), "--resume"]) == 0
    assert "resuming: 2 of 4" in " ".join(capsys.readouterr().out.split())
    assert (out / "experiments.parquet").read_bytes() == (one_worker / "experiments.parquet").read_bytes()
    assert not partial.exists()
    # Results another forceplan version left are never combined with this one's: the resume is refused.
    again = tmp_path / "again2"
    (tmp_path / "again2.partial").mkdir()
    other = [json.dumps({**key, "code": "0" * 64}, sort_keys=True), *lines[1:]]
    (tmp_path / "again2.partial" / "results.jsonl").write_text("\n".join(other) + "\n")
    assert run(["explore", *SMALL, "--workers", "1", "--out", str(again), "--resume"]) == 2
    assert "forceplan's version" in capsys.readouterr().err


def test_the_ask_ranking_equals_a_brute_force_evaluation(tmp_path: Path, bundled) -> None:
    from forceplan.explore.experiments import plan_exploration
    from forceplan.explore.model import ask_pledge, evaluate
    from forceplan.explore.space import default_policies

    out = tmp_path / "ask"
    cands = ["gbad_bty", "armd_bn", "tanker_flight"]
    args = ["ukraine-2025", "--n", "2", "--trials", "100", "--response-trials", "10", "--seed", "5",
            "--lever", "posture=reassurance", "--ask", "3", "--ask-from", ",".join(cands)]  # fmt: skip
    assert run(["explore", *args, "--workers", "1", "--out", str(out)]) == 0
    ranked = json.loads((out / "summary.json").read_text())["asks"]
    # Brute force, in this process: every request in every future, against the baseline.
    choices = {**default_policies(bundled), "posture": ("reassurance",)}
    plan = plan_exploration(bundled, "lhs", 2, 5, choices)
    pol = plan.policies[0]
    effect = {}
    for c in cands:
        diffs = []
        for row in plan.points:
            point = {u.name: float(v) for u, v in zip(plan.uncertainties, row, strict=True)}
            base = evaluate(bundled, pol, point, 5, 100, 10)["p_worst"]
            with_ask = evaluate(bundled, {**pol, "ask": c}, point, 5, 100, 10)["p_worst"]
            diffs.append(base - with_ask)
        effect[c] = float(np.mean(diffs)) / (ask_pledge(bundled, c).personnel_per_unit / 1000)
    expected = sorted(cands, key=lambda c: (-effect[c], c))
    assert [a["capability"] for a in ranked] == expected
    for a in ranked:
        assert a["reduction_per_1000_personnel"] == pytest.approx(effect[a["capability"]], abs=1e-12)


@pytest.mark.parametrize("name", ["decision_delay_h", "pledge_failure_draw"])
def test_a_sobol_row_with_its_changed_input_collapsed_gives_its_base_rows_outcomes(
    bundled, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Saltelli's AB_i row is A with input i from B. With input i's range collapsed (its value A's), the row is A
    in another row of the design, with another index and future: it must give A's outcomes exactly (with the old
    keying by the future, its pledge failures and Monte Carlo draws were another row's)."""
    import dataclasses

    from forceplan.explore import experiments
    from forceplan.explore.experiments import plan_exploration, run_task
    from forceplan.explore.space import default_policies
    from forceplan.stagecache import StageCache

    monkeypatch.setattr(experiments, "worker_cache", StageCache)  # a fresh cache per task: both computed in full
    plan = plan_exploration(bundled, "sobol", 1, 5, {**default_policies(bundled), "posture": ("reassurance",)})
    names = [u.name for u in plan.uncertainties]
    a, ab = plan.tasks[0], plan.tasks[1 + names.index(name)]
    assert ab.future != a.future and ab.point[name] != a.point[name]
    assert all(ab.point[k] == a.point[k] for k in names if k != name)  # the design's AB_i: A but for input i
    collapsed = dataclasses.replace(ab, point={**ab.point, name: a.point[name]})
    assert run_task(bundled, collapsed, 5, 100, 10) == run_task(bundled, a, 5, 100, 10)


def test_sobol_rows_give_the_same_outcomes_on_two_dask_workers_as_in_this_process(bundled) -> None:  # type: ignore[no-untyped-def]
    """Rows A, AB_1, AB_2 and B of a Saltelli design, run on a 2-worker cluster (in whatever order and on whichever
    worker, every stage computed there: no disk cache) and here one after another: identical outcomes, float for
    float."""
    from forceplan.cluster.runner import run_on_dask, start_local_cluster
    from forceplan.explore.experiments import plan_exploration, run_task
    from forceplan.explore.space import default_policies

    plan = plan_exploration(bundled, "sobol", 1, 5, {**default_policies(bundled), "posture": ("reassurance",)})
    tasks = [*plan.tasks[:3], plan.tasks[len(plan.uncertainties) + 1]]
    here = {t.index: run_task(bundled, t, 5, 100, 10) for t in tasks}
    there: dict[int, dict] = {}
    with start_local_cluster(2, env={"FORCEPLAN_CACHE": "off"}) as cluster:
        st = run_on_dask(bundled, tasks, 5, 100, 10, cluster.scheduler_address, 2,
                         on_result=lambda t, out, err: there.__setitem__(t.index, out or {"error": err}))  # fmt: skip
    assert st.workers == 2 and st.reused < len(tasks) * 4  # not all read back: the workers computed
    assert json.dumps(there, sort_keys=True) == json.dumps(here, sort_keys=True)  # NaN for NaN too


def test_an_experiment_digests_its_scenario_once(bundled, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The scenario's canonical form (its JSON and its GeoJSON files read and hashed) is built once per experiment,
    for the stage cache's keys, and its digest handed to force generation, stationing, response and assessment
    (each digested the scenario again before: four more, about 3.5 % of an experiment)."""
    import forceplan.scenario.bundled as bundled_module
    import forceplan.stagecache as stagecache
    from forceplan.explore.experiments import plan_exploration
    from forceplan.explore.model import evaluate
    from forceplan.explore.space import default_policies
    from forceplan.scenario import scenario_digest

    assert stagecache.ScenarioViews(bundled).scenario_digest == scenario_digest(bundled)
    plan = plan_exploration(bundled, "lhs", 1, 5, {**default_policies(bundled), "posture": ("reassurance",)})
    calls: list[str] = []
    real = bundled_module.canonical_dict

    def counted(sc):  # type: ignore[no-untyped-def]
        calls.append(sc.name)
        return real(sc)

    monkeypatch.setattr(bundled_module, "canonical_dict", counted)
    monkeypatch.setattr(stagecache, "canonical_dict", counted)
    t = plan.tasks[0]
    out = evaluate(bundled, t.policy, t.point, 5, 100, 10, stagecache.StageCache())  # every stage computed
    assert len(calls) == 1 and out["personnel_matched"] > 0


def test_the_report_describes_postures_and_uncertainties_in_words(one_worker: Path, bundled) -> None:  # type: ignore[no-untyped-def]
    from tests.leaks import find_leaks

    html = (one_worker / "explore.html").read_text()
    assert "Infrastructure reassurance" in html and "Forward defence" in html  # each posture described
    assert "Attacker&#39;s strength, Zaporizhzhia axis" in html  # each uncertainty named
    assert "95 % Wilson interval" in html
    doc = json.loads((one_worker / "summary.json").read_text())
    for r in doc["robustness"]:
        assert r["share_ci_low"] <= r["share_meeting_threshold"] <= r["share_ci_high"]
    text = html[: html.index("<script")]
    assert not find_leaks(text.replace("&#39;", "'"), bundled)


def test_dask_says_nothing_unless_asked(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    args = ["ukraine-2025", "--n", "2", "--trials", "100", "--response-trials", "10", "--lever", "posture=tripwire"]
    assert run(["explore", *args, "--workers", "1", "--out", str(tmp_path / "quiet")]) == 0
    out, err = capfd.readouterr()
    assert "distributed" not in out + err and "Traceback" not in out + err, (out + err)[-2000:]
    assert "Tripwire" in out


def test_every_worker_is_prepared_once_before_its_first_experiment_even_one_that_joins_later(
    bundled,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    from distributed import Client

    from forceplan.cluster.plugin import PrepareWorker
    from forceplan.cluster.runner import run_on_dask, start_local_cluster
    from forceplan.explore.experiments import plan_exploration
    from forceplan.explore.space import default_policies

    def state() -> dict:  # run on each worker
        import sys

        from forceplan.engagement.engine import _battle_kernel
        from forceplan.explore.experiments import worker_cache

        return {"kernels": len(_battle_kernel.signatures), "cache": worker_cache.cache_info().currsize,
                "stations": "forceplan.stationing.run" in sys.modules, "highs": "highspy" in sys.modules}  # fmt: skip

    plan = plan_exploration(bundled, "lhs", 2, 5, {**default_policies(bundled), "posture": ("reassurance",)})
    with start_local_cluster(1, env={"FORCEPLAN_CACHE_DIR": str(tmp_path / "cache")}) as cluster:
        st = run_on_dask(bundled, plan.tasks, 5, 100, 10, cluster.scheduler_address, 1)
        with Client(cluster) as c:
            assert PrepareWorker.name in c.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.worker_plugins))
            cluster.scale(2)  # a worker that joins after the exploration started
            c.wait_for_workers(2, timeout=120)
            states = list(c.run(state).values())
    assert len(states) == 2
    for s in states:
        assert s["kernels"] >= 1 and s["cache"] == 1 and s["stations"] and s["highs"], s
    assert len(st.cpu_s) == len(st.task_s) == 2 and all(c > 0 for c in st.cpu_s)
    assert st.run_s > 0 and st.prepare_s > 0 and st.wall_s >= st.run_s + st.prepare_s
    assert st.worker_cpu_s >= 0.5 * sum(st.cpu_s)  # the experiments' threads are part of the workers' CPU
    assert st.reused == 0  # two futures that fail different pledges share no stage result


@pytest.mark.parametrize("n", ["1", "4", "12"])
def test_a_sobol_design_too_small_or_not_a_power_of_two_is_refused(n: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """--n 1 gave a first-order index of -4: the command refuses fewer than 8 base samples, and any n not a power
    of 2, with exit 2 and a message that says what to type; nothing is written."""
    out = tmp_path / "out"
    assert run(["explore", "ukraine-2025", "--design", "sobol", "--n", n, "--out", str(out)]) == 2
    said = capsys.readouterr().err
    assert f"--n {n}" in said and "--n 16" in said
    assert not out.exists()


def test_an_experiment_at_the_scenarios_own_values_gives_the_plans_probabilities(bundled) -> None:  # type: ignore[no-untyped-def]
    """Exploration decides battles with the plan's battle-outcome model (the pre-battle factors, section 7.6): an
    experiment that changes nothing (the reassurance posture, the scenario's own strikes and backstop, no pledge
    failing, every multiplier 1) gives, threat by threat, the plan's assessment on the same seed and trials. With
    the force-ratio logistic alone (before) the probabilities differed."""
    from forceplan.engagement.assess import assess
    from forceplan.explore.model import evaluate, pipeline_seed

    policy = {"posture": "reassurance", "strikes_into_aggressor": bundled.geography.strikes_into_aggressor}
    out = evaluate(bundled, policy, {"pledge_attrition": 0.0}, 5, 300, 10)
    plan = assess(bundled, None, 300, pipeline_seed(5), sensitivity=False)
    assert {k: v for k, v in out.items() if k.startswith("p_reached.")} == {
        f"p_reached.{t.threat}": t.p_reached.p for t in plan.threats
    }
