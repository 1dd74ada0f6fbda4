"""Response timelines: if the ceasefire breaks, when each response takes effect on each axis, with uncertainty.

The names below load on first use: the simulation compiles numba kernels, and the result models
(:mod:`forceplan.timeline.result`) are read without it (a plan whose stages come from the stage cache)."""

from typing import TYPE_CHECKING

from forceplan.lazy import lazy_attributes

if TYPE_CHECKING:
    from forceplan.timeline.elements import OPTIONS, Element, build_elements
    from forceplan.timeline.result import SCHEMA_ID, RespondResult
    from forceplan.timeline.run import respond
    from forceplan.timeline.simulate import buildup_curve, simulate_axis, time_to_fraction

__all__ = [
    "OPTIONS",
    "SCHEMA_ID",
    "Element",
    "RespondResult",
    "build_elements",
    "buildup_curve",
    "respond",
    "simulate_axis",
    "time_to_fraction",
]
__getattr__ = lazy_attributes(
    __name__,
    {
        "OPTIONS": "elements",
        "Element": "elements",
        "build_elements": "elements",
        "SCHEMA_ID": "result",
        "RespondResult": "result",
        "respond": "run",
        "buildup_curve": "simulate",
        "simulate_axis": "simulate",
        "time_to_fraction": "simulate",
    },
)
