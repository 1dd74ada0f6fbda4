"""Exploration on Dask: experiments per second on 1 and 2 worker processes, measured in the same run, and the ratio
of the two (target: 2 workers ≥ 1.7× the experiments per second of 1 worker); experiments per second per worker;
the scheduler's overhead per task (target ≤ 5 % of the task time); what an experiment costs in CPU seconds (its own
thread, Dask's threads in the worker, the scheduler and client), which a machine shared with other work does not
change as it changes wall-clock times; the idle tail at the end; the stage results reused; and a projection to
1,000 experiments × 1,000 trials on a 64-worker cluster.

The design is ``forceplan explore --n 64 --lever posture=reassurance`` (64 LHS futures, one posture). Each cluster
is started before the clock (its start is reported separately) with the runner's own settings
(``start_local_cluster``); each worker is prepared once by the runner's worker plugin (modules, numba kernels,
calibration, stage cache), also before the clock and reported; the scenario is scattered to each worker once.
Each configuration gets an empty stage-cache folder of its own, so the reuse counted is what one exploration finds
within itself. With ``--repeats R`` the configurations run in turn (1 worker, 2 workers, 1, 2, ...) so that a
change in the machine's load falls on both; each pair gives a ratio, and the spread of the ratios is printed.

Peer in the same run: a plain ``multiprocessing.Pool(2)`` over the same model function and design, its processes
prepared by the same function before the clock. EMA Workbench's evaluator is not run: its 3.x line needs
Python ≥ 3.12 and this project runs on 3.11.
Run: ``.venv/bin/python benchmarks/explore.py [--tasks 64] [--trials 1000] [--repeats 1]``
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import tempfile
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # before numba is imported here or in a child

from common import machine_line

from forceplan.cluster.runner import RunStats, run_on_dask, start_local_cluster
from forceplan.explore.experiments import plan_exploration, prepare_worker, run_task
from forceplan.explore.space import default_policies
from forceplan.scenario import load_scenario

SEED = 0
_sc = None


def _pool_prepare() -> None:
    global _sc
    _sc = load_scenario("ukraine-2025")
    prepare_worker()


def _pool_ready(_: int) -> int:
    time.sleep(0.2)
    return os.getpid()


def _pool_task(args: tuple) -> float:
    assert _sc is not None
    task, trials, rtrials = args
    t0 = time.perf_counter()
    run_task(_sc, task, SEED, trials, rtrials)
    return time.perf_counter() - t0


def fresh_cache() -> str:
    """An empty stage-cache folder for one configuration."""
    return tempfile.mkdtemp(prefix="forceplan-bench-cache-")


def _self_cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def dask_run(sc, tasks, trials: int, rtrials: int, workers: int) -> tuple[float, RunStats, float, float]:
    """Start, prepare, run; returns cluster start (s), the run's stats, the CPU seconds of this process (the
    scheduler, the nannies and the client) during it, and the load average before it."""
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    with start_local_cluster(workers, env={"FORCEPLAN_CACHE_DIR": fresh_cache()}) as cluster:
        start = time.perf_counter() - t0
        c0 = _self_cpu_s()
        stats = run_on_dask(sc, tasks, SEED, trials, rtrials, cluster.scheduler_address, workers)
        here = _self_cpu_s() - c0
    return start, stats, here, load


def describe(w: int, n: int, start: float, st: RunStats, here_cpu: float, load: float) -> str:
    rate = n / st.run_s
    work = sum(st.task_s) / n
    cpu = sum(st.cpu_s) / n
    loop_cpu = st.event_loop_cpu_s / n
    other_cpu = (st.worker_cpu_s - st.event_loop_cpu_s - sum(st.cpu_s)) / n
    gaps = st.dispatch_gaps_s()
    gap = sum(gaps) / len(gaps) if gaps else 0.0
    return (
        f"Dask, {w} worker(s) (load average {load:.1f} before): {st.run_s:.1f} s = {rate:.3f} experiments/s, "
        f"{rate / w:.3f} per worker\n"
        f"    per experiment: {work:.2f} s of wall time in the task ({work / cpu if cpu else 0:.2f}× its CPU time: "
        f"the rest is waiting for a core); CPU {cpu:.2f} s of its own thread, {1000 * other_cpu:.0f} ms of the "
        f"worker's other threads (numba's, HiGHS's), {1000 * loop_cpu:.0f} ms of Dask's event loop in the worker, "
        f"{1000 * here_cpu / n:.0f} ms of the scheduler, nannies and client\n"
        f"    between tasks on a worker {1000 * gap:.0f} ms ({100 * gap / work:.1f} % of the task time); idle tail "
        f"{st.idle_tail_s():.1f} worker-s; stage results reused {st.reused} of {4 * n}; cluster start {start:.1f} s "
        f"and preparing the workers {st.prepare_s:.1f} s (both before the clock)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tasks", type=int, default=64, help="futures of the LHS design (one posture): experiments")
    ap.add_argument("--trials", type=int, default=1000)
    ap.add_argument("--response-trials", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=1, help="pairs of (1 worker, 2 workers) runs, in turn")
    ap.add_argument("--no-pool", action="store_true", help="skip the multiprocessing.Pool peer")
    args = ap.parse_args()
    print("explore benchmark:", machine_line())
    sc = load_scenario("ukraine-2025")
    plan = plan_exploration(sc, "lhs", args.tasks, SEED, {**default_policies(sc), "posture": ("reassurance",)})
    tasks = plan.tasks
    n = len(tasks)
    print(f"{n} experiments (bundled scenario, LHS, reassurance), {args.trials:,} assessment and "
          f"{args.response_trials:,} response trials each")  # fmt: skip
    runs: dict[int, list[RunStats]] = {1: [], 2: []}
    here_cpu: dict[int, list[float]] = {1: [], 2: []}
    ratios: list[float] = []
    for rep in range(args.repeats):
        for w in (1, 2):
            start, st, here, load = dask_run(sc, tasks, args.trials, args.response_trials, w)
            runs[w].append(st)
            here_cpu[w].append(here)
            print(f"[{rep + 1}] " + describe(w, n, start, st, here, load), flush=True)
        ratios.append(runs[1][-1].run_s / runs[2][-1].run_s)
        print(f"[{rep + 1}] experiments/s at 2 workers ÷ at 1 worker: {ratios[-1]:.2f}×", flush=True)
    med = statistics.median(ratios)
    spread = f" (runs: {', '.join(f'{r:.2f}' for r in ratios)})" if len(ratios) > 1 else ""
    print(f"experiments/s at 2 workers ÷ at 1 worker: median {med:.2f}×{spread}; parallel efficiency "
          f"{50 * med:.0f} % (target ≥ 1.7×: {'met' if med >= 1.7 else 'NOT met'})")  # fmt: skip
    cpu1 = statistics.median(sum(s.cpu_s) / n for s in runs[1])
    cpu2 = statistics.median(sum(s.cpu_s) / n for s in runs[2])
    print(f"CPU seconds of an experiment's own thread: 1 worker {cpu1:.3f}, 2 workers {cpu2:.3f} "
          f"({cpu2 / cpu1:.2f}×: what two experiments at once cost each other in caches and memory)")  # fmt: skip
    # All the CPU an experiment costs (its thread, numba's and HiGHS's threads, Dask's event loop, the scheduler,
    # nannies and client), which other work on the machine changes far less than wall time: two workers on two
    # cores of their own could run at most 2 ÷ that many experiments a second.
    total = {
        w: statistics.median((s.worker_cpu_s + c) / n for s, c in zip(runs[w], here_cpu[w], strict=True))
        for w in (1, 2)
    }
    print(f"all CPU of an experiment: 1 worker {total[1]:.3f} s, 2 workers {total[2]:.3f} s "
          f"({total[2] / total[1]:.2f}×); 2 workers on 2 free cores: ≤ {2 / total[2]:.3f} experiments/s")  # fmt: skip
    gaps = [g for s in runs[2] for g in s.dispatch_gaps_s()]
    work2 = statistics.median(sum(s.task_s) / n for s in runs[2])
    over = (sum(gaps) / len(gaps) if gaps else 0.0) / work2
    print(f"scheduler overhead per task at 2 workers (gap between a worker's tasks ÷ task time): {100 * over:.1f} % "
          f"(target ≤ 5 %: {'met' if over <= 0.05 else 'NOT met'})")  # fmt: skip
    if not args.no_pool:
        ctx = multiprocessing.get_context("spawn")
        os.environ["FORCEPLAN_CACHE_DIR"] = fresh_cache()  # inherited by the Pool's processes
        load = os.getloadavg()[0]
        with ctx.Pool(2, initializer=_pool_prepare) as pool:
            while len(set(pool.map(_pool_ready, range(4), chunksize=1))) < 2:  # both prepared (initializer ran)
                pass
            t0 = time.perf_counter()
            pool.map(_pool_task, [(t, args.trials, args.response_trials) for t in tasks], chunksize=1)
            wall_pool = time.perf_counter() - t0
        last1 = runs[1][-1].run_s
        print(f"peer multiprocessing.Pool(2) (load average {load:.1f} before): {wall_pool:.1f} s = "
              f"{n / wall_pool:.3f} experiments/s ({last1 / wall_pool:.2f}× Dask's last 1-worker run); Dask's last "
              f"2-worker run ÷ Pool wall time {runs[2][-1].run_s / wall_pool:.2f}×")  # fmt: skip
    proj = 1000 * cpu1 / 64 / 0.9
    print(
        f"projection: 1,000 such experiments ({args.trials:,} assessment and {args.response_trials:,} response trials) "
        f"on 64 workers ≈ {proj / 60:.1f} min ({cpu1:.2f} CPU s per experiment, on cores as fast as these and not "
        "shared; 90 % efficiency assumed; excludes cluster start and data transfer beyond the one scatter)"
    )


if __name__ == "__main__":
    main()
