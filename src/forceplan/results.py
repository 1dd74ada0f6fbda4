"""Shared pieces of every result model: the frozen base class and the versioned JSON Schema."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    """Base of result models: immutable, no unknown fields, ``schema`` accepted as an alias."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


def versioned_schema(model: type[BaseModel], schema_id: str) -> dict[str, object]:
    """The JSON Schema (draft 2020-12) of a result model, identified by ``schema_id`` (e.g. forceplan.plan/1)."""
    schema = model.model_json_schema(by_alias=True, mode="serialization")
    schema["$id"] = schema_id
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


class SolveStage(Out):
    """One stage of a lexicographic MILP, as reported to the user."""

    stage: str = Field(description="What the stage optimises (e.g. fill, personnel, nations; placed, coverage, reach)")
    sense: str = Field(description="max or min")
    status: str = Field(description="Solver status, e.g. 'optimal' or 'time limit reached'")
    optimal: bool = Field(description="Proven optimal; false whenever a time limit or gap tolerance stopped the search")
    objective: float | None
    bound: float | None = Field(description="Best bound proven by the solver")
    gap: float | None = Field(description="Relative gap between objective and bound (0 when optimal)")
