"""Engagement and deterrence: Lanchester attrition with advance and breakpoints (Monte Carlo), calibration
against history, and the deterrence assessment of each threat.

The names below load on first use: the engine compiles numba kernels, and the result models
(:mod:`forceplan.engagement.results`) are read without it (a plan whose stages come from the stage cache)."""

from typing import TYPE_CHECKING

from forceplan.lazy import lazy_attributes

if TYPE_CHECKING:
    from forceplan.engagement.engine import LAWS, Outcome, per_step_schedule, run_engine
    from forceplan.engagement.single import EngageSpec, load_engage, run_spec

__all__ = ["LAWS", "EngageSpec", "Outcome", "load_engage", "per_step_schedule", "run_engine", "run_spec"]
__getattr__ = lazy_attributes(
    __name__,
    {
        "LAWS": "engine",
        "Outcome": "engine",
        "per_step_schedule": "engine",
        "run_engine": "engine",
        "EngageSpec": "single",
        "load_engage": "single",
        "run_spec": "single",
    },
)
