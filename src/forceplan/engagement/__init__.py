"""Engagement and deterrence: Lanchester attrition with advance and breakpoints (Monte Carlo), calibration
against history, and the deterrence assessment of each threat."""

from forceplan.engagement.engine import LAWS, Outcome, per_step_schedule, run_engine
from forceplan.engagement.single import EngageSpec, load_engage, run_spec

__all__ = ["LAWS", "EngageSpec", "Outcome", "load_engage", "per_step_schedule", "run_engine", "run_spec"]
