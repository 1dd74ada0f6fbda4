"""The worker plugin that prepares each Dask worker once: registered with the scheduler, it runs on every worker
there and on every worker that joins or is restarted later, before that worker takes an experiment."""

from __future__ import annotations

from distributed import Worker
from distributed.diagnostics.plugin import WorkerPlugin


class PrepareWorker(WorkerPlugin):
    """Load the stage modules, the numba kernels, the calibration fit and the stage cache in the worker process
    (``forceplan.explore.experiments.prepare_worker``), so that no experiment's clock includes them."""

    name = "forceplan-prepare-worker"
    idempotent = True
    """Registered again by a later exploration on the same scheduler: its workers are prepared already."""

    def setup(self, worker: Worker) -> None:
        from forceplan.explore.experiments import prepare_worker

        prepare_worker()
