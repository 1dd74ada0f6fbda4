"""Sustaining the force for years: rotation pools, pledge lapses, month-by-month force generation, cost and the
requests that would close the gaps (docs/model.md, "Rotation and cost").

The names below load on first use, so that reading a result (:mod:`forceplan.sustain.result`) does not import
the stages that compute it."""

from typing import TYPE_CHECKING

from forceplan.lazy import lazy_attributes

if TYPE_CHECKING:
    from forceplan.sustain.result import SCHEMA_ID, SustainResult, json_schema
    from forceplan.sustain.run import MAX_YEARS, sustain_force

__all__ = ["MAX_YEARS", "SCHEMA_ID", "SustainResult", "json_schema", "sustain_force"]
__getattr__ = lazy_attributes(
    __name__,
    {
        "SCHEMA_ID": "result",
        "SustainResult": "result",
        "json_schema": "result",
        "MAX_YEARS": "run",
        "sustain_force": "run",
    },
)
