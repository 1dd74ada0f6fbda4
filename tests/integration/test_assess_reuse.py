"""Issue 27: the assessment reuses the baseline's response simulation for sensitivity cases that drop options no
other element queues with — and that reuse gives exactly what simulating the case again gives."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

from forceplan.engagement import assess as A
from forceplan.engagement.engagements import INNER_TRIALS, draw_engagement
from forceplan.engagement.outcome import default_outcome_model
from forceplan.forcegen import Options, match_force
from forceplan.scenario import Scenario
from forceplan.scenario.parameters import parameter
from forceplan.stationing import station_force
from forceplan.timeline.allocate import plan_axes
from forceplan.timeline.run import PARAMETER_NAMES

pytestmark = pytest.mark.integration


def test_dropping_queue_free_options_equals_simulating_again(bundled: Scenario) -> None:
    opts = Options()
    fg = match_force(bundled, opts)
    lay = station_force(bundled, fg)
    params = {n: parameter(bundled, n) for n in PARAMETER_NAMES}
    modes = {n: float(d.mode) for n, d in params.items()}
    model = default_outcome_model()
    outer = 20
    seen_free = seen_queued = 0
    for i, threat in enumerate(bundled.threats):
        dr = draw_engagement(bundled, threat, i, 3, outer, model)
        delay = dr.other["coalition_decision_delay_h"]
        alloc = plan_axes(bundled, [threat], fg, lay, params, modes, opts)[1][threat.id]
        respond = functools.partial(
            A._respond, bundled, threat, i, 3, outer * INNER_TRIALS, params, modes, allocation=alloc
        )
        base = respond(fg, lay, opts, delay=delay)
        for drop in (("air_power",), ("long_range_fires",), ("stockpile_release",), ("reinforcements",)):
            again = respond(fg, lay, opts, drop, delay)
            if A._queue_free(base, drop):
                seen_free += 1
                reused = A._dropped(base, drop)
                assert reused.elements == again.elements
                assert np.array_equal(reused.times_h, again.times_h), (threat.id, drop)
                assert np.array_equal(reused.scale, again.scale)
            else:
                seen_queued += 1
    assert seen_free >= 4


def test_a_shared_queue_is_not_reused_and_would_differ(bundled: Scenario) -> None:
    """Two units queue at one entry node: dropping the first frees the node for the second, so the reuse rule
    refuses it — and simulating again indeed moves the second unit earlier (hand-made, one trial, modes)."""
    from forceplan.engagement.engagements import Response
    from forceplan.timeline import Element
    from forceplan.timeline.simulate import simulate_axis

    params = {n: parameter(bundled, n) for n in PARAMETER_NAMES}
    first = Element(id="a", option="reinforcements", label="a", nation="X", power=1.0, personnel=500, node=0,
                    priority=2.0)  # fmt: skip
    second = Element(id="b", option="stockpile_release", label="b", nation="X", power=1.0, personnel=500, node=0)
    rate = np.array([100.0])  # personnel an hour: each unit holds the node 5 h
    both = simulate_axis([first, second], params, rate, 1, None)
    alone = simulate_axis([first.__class__(**{**first.__dict__, "reachable": False, "node": None}), second],
                          params, rate, 1, None)  # fmt: skip
    resp = Response([first, second], both.times_h, np.ones(1))
    assert not A._queue_free(resp, ("reinforcements",))
    assert alone.times_h[0, 1] == pytest.approx(both.times_h[0, 1] - 5.0)
    assert A._queue_free(resp, ("reinforcements", "stockpile_release"))


def test_threats_on_threads_give_the_same_assessment(bundled: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    """Threats and offensives assessed side by side on threads (their kernels off the interpreter lock) give
    byte-identical results to one thread: no draw depends on which thread runs what, or in which order."""
    fg = match_force(bundled, Options())
    lay = station_force(bundled, fg)

    def run(workers: int) -> str:
        monkeypatch.setattr(A, "_workers", lambda jobs: min(jobs, workers))
        return A.assess(bundled, trials=1000, seed=5, fg=fg, laydown=lay).model_dump_json()

    one, three = run(1), run(3)
    assert one == three
    assert '"offensives":[{' in one  # the bundled scenario's combined offensive ran on a thread too


def test_assessment_runs_on_numbas_workqueue_layer(tmp_path: Path) -> None:
    """Where the system has neither TBB nor libgomp, numba falls back to its 'workqueue' threading layer, which
    aborts the process when parallel kernels are launched from two threads. The assessment then keeps to one
    thread: before, `forceplan assess` died with SIGABRT (exit 134)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "NUMBA_THREADING_LAYER": "workqueue"}
    probe = "from forceplan.engagement.assess import _workers, threadsafe_numba; print(threadsafe_numba(), _workers(6))"
    r = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "1"]
    r = subprocess.run(
        [sys.executable, "-m", "forceplan", "assess", "ukraine-2025", "--trials", "300"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Zaporizhzhia" in r.stdout
    # The plan: its sustainment runs in the chain there (only MILPs run beside it).
    out = tmp_path / "plan"
    r = subprocess.run(
        [sys.executable, "-m", "forceplan", "plan", "ukraine-2025", "--trials", "300", "--response-trials", "100",
         "--no-pdf", "--no-cache", "--case", "without DEU", "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    lines = (out / "run.log").read_text().splitlines()
    sustainment = [line for line in lines if line.startswith("sustainment: ")]
    backstop = [line for line in lines if line.startswith("US backstop force and laydown: ")]
    assert len(sustainment) == 1 and "beside" not in sustainment[0], lines
    assert len(backstop) == 1 and "beside the main chain" in backstop[0], lines


def test_threaded_layer_is_used_where_safe() -> None:
    """On a layer that is safe from several threads (OpenMP or TBB), the assessment does use threads."""
    import numba

    if not A.threadsafe_numba():
        pytest.skip(f"numba's threading layer here is {numba.threading_layer()}")
    assert A._workers(6) == min(6, len(__import__("os").sched_getaffinity(0)), numba.config.NUMBA_NUM_THREADS)
