"""Response timelines: if the ceasefire breaks, when each response takes effect on each axis, with uncertainty."""

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
