"""Experiments as Dask tasks: the scenario scattered to every worker once, one task per experiment with its own
seed stream (keyed by the experiment, never by the worker), a retry for a failed task and then a report of it
with its inputs, results handed back as they complete so that an interrupted run keeps what it finished."""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
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

    t0, w0 = time.perf_counter(), time.time()
    out = run_task(bundle.scenario(), task, seed, trials, response_trials)
    return {"outcomes": out, "task_s": time.perf_counter() - t0, "span": (w0, time.time()), "pid": os.getpid()}


@dataclass
class RunStats:
    wall_s: float
    task_s: list[float]
    workers: int
    spans: dict[int, list[tuple[float, float]]] | None = None
    """Per worker process: (start, end) wall-clock times of its tasks, to tell dispatch gaps from idle tails."""

    def dispatch_gaps_s(self) -> list[float]:
        """Time between one task's end and the next task's start on the same worker: the scheduler's and the
        transport's share of each task (idle time after a worker's last task is not counted)."""
        gaps: list[float] = []
        for spans in (self.spans or {}).values():
            ordered = sorted(spans)
            gaps += [b[0] - a[1] for a, b in itertools.pairwise(ordered)]
        return gaps


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
    address (tcp://HOST:8786)."""
    import time

    from distributed import Client, LocalCluster, as_completed

    quiet = quiet_dask_logs()
    t0 = time.perf_counter()
    cluster = None
    if scheduler == "local":
        import dask

        # Send every task to a worker at once rather than one at a time as threads free up (the scheduler's default
        # queuing): a worker starts its next experiment without a round trip to a scheduler that, on a machine whose
        # cores the workers fill, waits tens of milliseconds for CPU. Work stealing still balances the tail.
        dask.config.set({"distributed.scheduler.worker-saturation": float("inf")})
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=quiet,
            # One numba thread per worker process: the workers are the parallelism.
            env={"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
        )
        client = Client(cluster)
    else:
        client = Client(scheduler, timeout="30s")
    durations: list[float] = []
    spans: dict[int, list[tuple[float, float]]] = {}
    try:
        n_workers = len(client.scheduler_info().get("workers", {})) or workers
        bundle = client.scatter(ScenarioBundle.of(sc), broadcast=True)
        futures = {}
        for t in tasks:
            f = client.submit(_task, bundle, t, seed, trials, response_trials, key=f"explore-{seed}-{t.index}",
                              retries=1, pure=False)  # fmt: skip
            futures[f.key] = (f, t)
        for f in as_completed([f for f, _ in futures.values()]):
            _, task = futures[f.key]
            if f.status == "finished":
                res = f.result()
                durations.append(float(res["task_s"]))
                spans.setdefault(int(res["pid"]), []).append(tuple(res["span"]))
                if on_result:
                    on_result(task, res["outcomes"], None)
            else:
                exc = f.exception()
                if on_result:
                    on_result(task, None, f"{type(exc).__name__}: {exc}")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return RunStats(time.perf_counter() - t0, durations, n_workers, spans)
