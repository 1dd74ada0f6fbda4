"""Sustaining the force for years: rotation pools, pledge lapses, month-by-month force generation, cost and the
requests that would close the gaps (docs/model.md, "Rotation and cost")."""

from forceplan.sustain.result import SCHEMA_ID, SustainResult, json_schema
from forceplan.sustain.run import MAX_YEARS, sustain_force

__all__ = ["MAX_YEARS", "SCHEMA_ID", "SustainResult", "json_schema", "sustain_force"]
