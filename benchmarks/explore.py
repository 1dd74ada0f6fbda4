"""Exploration on Dask: experiments per second and per-experiment cost on the bundled scenario with 1 and 2 worker
processes (parallel efficiency; target ≥ 80 % at 2 workers), the scheduler's overhead per task (target ≤ 5 % of
the task time), and a projection to 1,000 experiments × 1,000 trials on a 64-worker cluster from the measured
per-task cost.

Peers in the same run: a plain ``multiprocessing.Pool`` (2 processes) over the same model function and design.
EMA Workbench's evaluator is not run: its 3.x line needs Python ≥ 3.12 and this project runs on 3.11.

The clusters are started before the clock starts (their start-up is reported separately); every worker process
uses one numba thread. Each configuration (1 worker, 2 workers, the Pool) gets an empty stage-cache folder of its
own and is warmed on experiments of another design (seed 1), so no configuration reads another's results and the
reuse measured is only what one exploration finds within itself (force and laydown shared between futures).
Run: ``.venv/bin/python benchmarks/explore.py [--tasks 16] [--trials 1000]``
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # before numba is imported here or in a child

from common import machine_line

from forceplan.cluster.runner import run_on_dask
from forceplan.explore.experiments import plan_exploration, run_task
from forceplan.explore.space import default_policies
from forceplan.scenario import load_scenario

SEED = 0
_sc = None


def _pool_task(args: tuple) -> float:
    global _sc
    if _sc is None:
        _sc = load_scenario("ukraine-2025")
    task, trials, rtrials = args
    t0 = time.perf_counter()
    run_task(_sc, task, SEED, trials, rtrials)
    return time.perf_counter() - t0


def fresh_cache() -> str:
    """An empty stage-cache folder for one configuration (inherited by the processes it starts)."""
    os.environ["FORCEPLAN_CACHE_DIR"] = tempfile.mkdtemp(prefix="forceplan-bench-cache-")
    return os.environ["FORCEPLAN_CACHE_DIR"]


def dask_run(sc, tasks, warm, trials, rtrials, workers: int):
    import dask
    from distributed import LocalCluster

    dask.config.set({"distributed.scheduler.worker-saturation": float("inf")})  # as the runner's own cluster
    t0 = time.perf_counter()
    env = {"NUMBA_NUM_THREADS": "1", "FORCEPLAN_CACHE_DIR": fresh_cache()}
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, env=env) as cluster:  # fmt: skip
        start = time.perf_counter() - t0
        # Warm each worker (imports, numba cache, scenario) outside the clock, as a long run amortises them, on
        # experiments of another design: none of the timed experiments is read back whole.
        run_on_dask(sc, warm[:workers], SEED, trials, rtrials, cluster.scheduler_address, workers)
        stats = run_on_dask(sc, tasks, SEED, trials, rtrials, cluster.scheduler_address, workers)
    return start, stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tasks", type=int, default=32)
    ap.add_argument("--trials", type=int, default=1000)
    ap.add_argument("--response-trials", type=int, default=200)
    args = ap.parse_args()
    print("explore benchmark:", machine_line())
    sc = load_scenario("ukraine-2025")
    plan = plan_exploration(sc, "lhs", args.tasks, SEED, {**default_policies(sc), "posture": ("reassurance",)})
    tasks = plan.tasks[: args.tasks]
    warm = plan_exploration(sc, "lhs", 2, SEED + 1, {**default_policies(sc), "posture": ("reassurance",)}).tasks
    print(f"{len(tasks)} experiments (bundled scenario, LHS, reassurance), {args.trials:,} assessment and "
          f"{args.response_trials:,} response trials each")  # fmt: skip
    res = {}
    for w in (1, 2):
        start, st = dask_run(sc, tasks, warm, args.trials, args.response_trials, w)
        wall, task_s = st.wall_s, st.task_s
        res[w] = (wall, task_s)
        work = sum(task_s) / len(tasks)
        gaps = st.dispatch_gaps_s()
        gap = sum(gaps) / len(gaps) if gaps else 0.0
        idle = (wall * w - sum(task_s)) / len(tasks)
        print(f"Dask, {w} worker(s): {wall:.1f} s = {len(tasks) / wall:.2f} experiments/s; per experiment "
              f"{work:.2f} s of work; between tasks on a worker {gap * 1000:.0f} ms ({100 * gap / work:.1f} % of "
              f"the task time); all time not in a task, per task {idle * 1000:.0f} ms (dispatch, client, the idle "
              f"tail); cluster start {start:.1f} s")  # fmt: skip
        res[w] = (wall, task_s, gap)
    eff = res[1][0] / (2 * res[2][0])
    print(f"parallel efficiency at 2 workers: {100 * eff:.0f} % (target ≥ 80 %: {'met' if eff >= 0.8 else 'NOT met'}); "
          f"experiments/s at 2 workers ÷ at 1 worker: {2 * eff:.2f}× (target ≥ 1.7×: "
          f"{'met' if 2 * eff >= 1.7 else 'NOT met'})")  # fmt: skip
    w2_over = res[2][2] / (sum(res[2][1]) / len(tasks))
    print(f"scheduler overhead per task at 2 workers (gap between a worker's tasks ÷ task time): {100 * w2_over:.1f} % "
          f"(target ≤ 5 %: {'met' if w2_over <= 0.05 else 'NOT met'})")  # fmt: skip
    ctx = multiprocessing.get_context("spawn")
    fresh_cache()
    with ctx.Pool(2) as pool:
        pool.map(_pool_task, [(t, args.trials, args.response_trials) for t in warm[:2]])  # warm, as above
        t0 = time.perf_counter()
        pool.map(_pool_task, [(t, args.trials, args.response_trials) for t in tasks], chunksize=1)
        wall_pool = time.perf_counter() - t0
    print(f"peer multiprocessing.Pool(2): {wall_pool:.1f} s = {len(tasks) / wall_pool:.2f} experiments/s "
          f"(its efficiency against Dask's 1 worker: {100 * res[1][0] / (2 * wall_pool):.0f} %); "
          f"Dask ÷ Pool wall time {res[2][0] / wall_pool:.2f}×")  # fmt: skip
    per = sum(res[1][1]) / len(tasks) * (1000 / args.trials)
    proj = 1000 * per / 64 / 0.9
    print(
        f"projection: 1,000 experiments × 1,000 trials on 64 workers ≈ {proj / 60:.1f} min "
        f"({per:.2f} s per experiment at 1,000 trials, scaled linearly in the assessment trials; 90 % efficiency "
        "assumed; excludes cluster start and data transfer beyond the one scatter)"
    )


if __name__ == "__main__":
    main()
