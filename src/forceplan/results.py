"""Shared pieces of every result model: the frozen base class and the versioned JSON Schema."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Out(BaseModel):
    """Base of result models: immutable, no unknown fields, ``schema`` accepted as an alias."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


def versioned_schema(model: type[BaseModel], schema_id: str) -> dict[str, object]:
    """The JSON Schema (draft 2020-12) of a result model, identified by ``schema_id`` (e.g. forceplan.plan/1)."""
    schema = model.model_json_schema(by_alias=True, mode="serialization")
    schema["$id"] = schema_id
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
