"""Experiments as Dask tasks: every worker prepared once (``cluster.plugin``) and the scenario scattered to every
worker once, one task per experiment with its own seed stream (keyed by the experiment, never by the worker), a
retry for a failed task and then a report of it with its inputs, results handed back as they complete so that an
interrupted run keeps what it finished."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import logging
import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forceplan.explore.experiments import Task, run_task
from forceplan.scenario import Scenario
from forceplan.scenario.io import GEO_FIELDS

_materialised: dict[str, Scenario] = {}


@dataclass(frozen=True)
class ScenarioBundle:
    """A scenario with the contents of its GeoJSON files, so that a worker on another machine can use it."""

    digest: str
    scenario_json: str
    files: dict[str, bytes]

    @classmethod
    def of(cls, sc: Scenario) -> ScenarioBundle:
        files = {k: Path(getattr(sc.geography, k)).read_bytes() for k in GEO_FIELDS}
        text = sc.model_dump_json()
        digest = hashlib.sha256(text.encode() + b"".join(files[k] for k in sorted(files))).hexdigest()
        return cls(digest, text, files)

    def scenario(self) -> Scenario:
        """The scenario on this worker (its files written once to a local folder, cached per process)."""
        if self.digest not in _materialised:
            folder = Path(tempfile.mkdtemp(prefix=f"forceplan-{self.digest[:8]}-"))
            data = json.loads(self.scenario_json)
            for k, content in self.files.items():
                (folder / f"{k}.geojson").write_bytes(content)
                data["geography"][k] = str(folder / f"{k}.geojson")
            _materialised[self.digest] = Scenario.model_validate(data)
        return _materialised[self.digest]


def _task(bundle: ScenarioBundle, task: Task, seed: int, trials: int, response_trials: int) -> dict[str, Any]:
    import os
    import time

    from forceplan.explore.experiments import worker_cache

    hits0 = len(worker_cache().hits)
    t0, w0, c0 = time.perf_counter(), time.time(), time.thread_time()
    out = run_task(bundle.scenario(), task, seed, trials, response_trials)
    return {"outcomes": out, "task_s": time.perf_counter() - t0, "cpu_s": time.thread_time() - c0,
            "span": (w0, time.time()), "pid": os.getpid(), "reused": len(worker_cache().hits) - hits0}  # fmt: skip


def _process_cpu_s() -> tuple[float, float]:
    """CPU seconds this worker process has used so far: all its threads, and its main thread alone (where Dask's
    event loop runs: messages, heartbeats, monitors; the experiments run on an executor thread, numba's and
    HiGHS's on threads of their own)."""
    import os
    import resource

    ru = resource.getrusage(resource.RUSAGE_SELF)
    try:
        with open(f"/proc/self/task/{os.getpid()}/stat", encoding="ascii") as f:
            fields = f.read().rpartition(")")[2].split()
        main = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    except (OSError, ValueError, IndexError):  # not Linux
        main = math.nan
    return ru.ru_utime + ru.ru_stime, main


def task_key(bundle: ScenarioBundle, task: Task, seed: int, trials: int, response_trials: int) -> str:
    """The Dask key of an experiment: a digest of everything its result depends on, so that two explorations on
    one scheduler never share a key unless they would compute the same result."""
    text = json.dumps([bundle.digest, dataclasses.asdict(task), seed, trials, response_trials], sort_keys=True)
    return f"explore-{hashlib.sha256(text.encode()).hexdigest()[:20]}-{task.index}"


@dataclass
class RunStats:
    wall_s: float
    """From the call to the last result: cluster start (a local one), preparing the workers, the experiments."""
    task_s: list[float]
    workers: int
    spans: dict[int, list[tuple[float, float]]] | None = None
    """Per worker process: (start, end) wall-clock times of its tasks, to tell dispatch gaps from idle tails."""
    run_s: float = 0.0
    """From the first experiment sent to the last result received: the experiments per second are len / run_s."""
    prepare_s: float = 0.0
    """Preparing every worker (``PrepareWorker``), in parallel, before the first experiment is sent."""
    cpu_s: list[float] = field(default_factory=list)
    """CPU seconds of each experiment's own thread."""
    worker_cpu_s: float = math.nan
    """CPU seconds of the worker processes during the experiments, every thread."""
    event_loop_cpu_s: float = math.nan
    """Of which on the workers' main threads: Dask's event loop (NaN where /proc is not there to tell)."""
    reused: int = 0
    """Stage results read back from the stage cache (memory or disk) instead of computed, over all experiments."""

    def dispatch_gaps_s(self) -> list[float]:
        """Time between one task's end and the next task's start on the same worker: the scheduler's and the
        transport's share of each task (idle time after a worker's last task is not counted)."""
        gaps: list[float] = []
        for spans in (self.spans or {}).values():
            ordered = sorted(spans)
            gaps += [b[0] - a[1] for a, b in itertools.pairwise(ordered)]
        return gaps

    def idle_tail_s(self) -> float:
        """Worker-seconds idle at the end of the run: for each worker that ran a task, the time from its last
        task's end to the last task's end on any worker (the stragglers' cost)."""
        ends = [max(e for _, e in spans) for spans in (self.spans or {}).values()]
        return sum(max(ends) - e for e in ends) if ends else 0.0


#: Loggers of Dask and the libraries under it; quiet unless the user asked for logs (forceplan --verbose).
DASK_LOGGERS = ("distributed", "tornado", "asyncio", "bokeh")


def quiet_dask_logs() -> int:
    """Dask's INFO lines (scheduler and nanny start, connections) and its shutdown noise (a CommClosedError
    traceback when a worker closes first) are not for a planner: keep them to --verbose (the root logger at INFO),
    else show nothing from them. Failed experiments are reported by the command itself, with their inputs.
    Returns the level for the workers' logs. Called after ``distributed`` is imported, which sets its own levels."""
    verbose = logging.getLogger().isEnabledFor(logging.INFO)
    level = logging.INFO if verbose else logging.CRITICAL + 1
    for name in DASK_LOGGERS:
        logging.getLogger(name).setLevel(level)
    return level


LOCAL_CLUSTER_CONFIG: dict[str, Any] = {
    # Send every task to a worker at once rather than one at a time as threads free up (the scheduler's default
    # queuing): a worker starts its next experiment without a round trip to a scheduler that, on a machine whose
    # cores the workers fill, waits tens of milliseconds for CPU. Work stealing balances the tail: checked every
    # 0.1 s rather than every second, so that a worker whose share is done takes over another's queued
    # experiments at once instead of idling up to a second (the check costs microseconds with nothing to move).
    "distributed.scheduler.worker-saturation": float("inf"),
    "distributed.scheduler.work-stealing-interval": "100ms",
    # The worker's statistical profiler walks the running experiment's stack every 10 ms on the worker's event-loop
    # thread, holding the GIL the experiment needs; it feeds only the dashboard, which a local cluster does not
    # start here.
    "distributed.worker.profile.enabled": False,
    # Event-loop health checks (50 a second by default in the scheduler, each nanny and each worker) and the
    # system monitor (CPU and memory samples for the dashboard, 2 a second): the time they take comes out of the
    # experiments once the workers fill the cores.
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    # The workers' and nannies' memory checks (spill, pause, restart), 10 a second by default: an experiment's
    # memory grows over seconds, not tenths of a second.
    "distributed.worker.memory.monitor-interval": "1s",
}
"""Dask settings of the local cluster (a scheduler at an address keeps its operator's)."""

WORKER_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
"""One numba (and BLAS) thread per worker process: the workers are the parallelism."""


def start_local_cluster(workers: int, env: dict[str, str] | None = None) -> Any:
    """A LocalCluster of ``workers`` single-threaded processes on 127.0.0.1, no dashboard, with
    ``LOCAL_CLUSTER_CONFIG`` (read by the scheduler and handed to each worker process as it starts)."""
    import dask
    from distributed import LocalCluster

    quiet = quiet_dask_logs()
    with dask.config.set(LOCAL_CLUSTER_CONFIG):
        return LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            # The scheduler serves its health and metrics routes even without a dashboard, by default on port 8787
            # of every interface (another port, with a warning, when that one is taken): here on a free port of
            # the loopback, so that two clusters on one machine never meet.
            scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
            silence_logs=quiet,
            env={**WORKER_ENV, **(env or {})},
        )


def run_on_dask(
    sc: Scenario,
    tasks: list[Task],
    seed: int,
    trials: int,
    response_trials: int,
    scheduler: str = "local",
    workers: int = 2,
    on_result: Callable[[Task, dict[str, Any] | None, str | None], None] | None = None,
) -> RunStats:
    """Run ``tasks``; ``on_result(task, outcomes, error)`` is called as each completes (error: after its retry
    failed too). ``scheduler``: 'local' (a LocalCluster of ``workers`` processes on 127.0.0.1) or a scheduler
    address (tcp://HOST:8786).

    The scenario goes to every worker once (scattered, with its GeoJSON files); every worker is prepared once
    (``PrepareWorker``: modules, numba kernels, calibration, stage cache) before the first experiment is sent;
    the experiments go in one message, each under a key that digests its inputs."""
    import time

    from distributed import Client, as_completed

    from forceplan.cluster.plugin import PrepareWorker

    quiet_dask_logs()
    t0 = time.perf_counter()
    cluster = None
    if scheduler == "local":
        cluster = start_local_cluster(workers)
        client = Client(cluster)
    else:
        client = Client(scheduler, timeout="30s")
    stats = RunStats(0.0, [], workers, {})
    try:
        stats.workers = len(client.scheduler_info().get("workers", {})) or workers
        bundle = ScenarioBundle.of(sc)
        t1 = time.perf_counter()
        client.register_plugin(PrepareWorker())
        remote = client.scatter(bundle, broadcast=True)
        stats.prepare_s = time.perf_counter() - t1
        cpu0 = client.run(_process_cpu_s)
        t2 = time.perf_counter()
        keys = [task_key(bundle, t, seed, trials, response_trials) for t in tasks]
        futures = client.map(_task, [remote] * len(tasks), tasks, seed=seed, trials=trials,
                             response_trials=response_trials, key=keys, retries=1, pure=False)  # fmt: skip
        by_key = {f.key: (f, t) for f, t in zip(futures, tasks, strict=True)}
        for f in as_completed(futures):
            _, task = by_key[f.key]
            if f.status == "finished":
                res = f.result()
                stats.task_s.append(float(res["task_s"]))
                stats.cpu_s.append(float(res["cpu_s"]))
                stats.reused += int(res["reused"])
                assert stats.spans is not None
                stats.spans.setdefault(int(res["pid"]), []).append(tuple(res["span"]))
                if on_result:
                    on_result(task, res["outcomes"], None)
            else:
                exc = f.exception()
                if on_result:
                    on_result(task, None, f"{type(exc).__name__}: {exc}")
            f.release()
        stats.run_s = time.perf_counter() - t2
        cpu1 = client.run(_process_cpu_s)
        stats.worker_cpu_s = sum(cpu1[w][0] - cpu0[w][0] for w in cpu1 if w in cpu0)
        stats.event_loop_cpu_s = sum(cpu1[w][1] - cpu0[w][1] for w in cpu1 if w in cpu0)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    stats.wall_s = time.perf_counter() - t0
    return stats
