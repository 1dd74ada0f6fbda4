"""The base of every scenario input model: strict, finite, plausible numbers; frozen models; ids.

Kept apart from :mod:`forceplan.scenario.model` so that sections in their own modules
(:mod:`forceplan.scenario.sustain`) share it without a cycle.
"""

from __future__ import annotations

import math
import types
import typing
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

MAX_ABS_NUMBER = 1e9
"""No input number is larger in magnitude: anything beyond is a typo or an attack, not a plan."""
SUFFIX_LIMITS: dict[str, float] = {
    "_h": 87_600.0,  # ten years
    "_days": 3_650.0,
    "_km": 20_040.0,  # half the Earth's circumference
    "_kmh": 5_000.0,
    "personnel": 5_000_000.0,
    "combat_power": 100_000.0,
    "_mm": 2_000.0,
}
"""Plausible upper bounds by the unit in a field's name (docs/scenario.md, "Limits")."""


def _numeric(tp: Any) -> bool:
    """Whether a field's annotation is a number, or a tuple of numbers (Optional and Annotated unwrapped)."""
    while True:
        origin = typing.get_origin(tp)
        if origin is Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            return any(_numeric(a) for a in args)
        elif origin is tuple:
            return any(_numeric(a) for a in typing.get_args(tp) if a is not Ellipsis)
        else:
            return tp in (int, float)


def check_number(v: Any, name: str) -> Any:
    """Reject booleans, non-finite and implausible values where a number belongs (before pydantic's coercion)."""
    if isinstance(v, list | tuple):
        return type(v)(check_number(x, name) for x in v)
    if isinstance(v, bool):
        raise ValueError(f"expected a number, got {str(v).lower()}")
    x: float | None = None
    if isinstance(v, int | float):
        try:
            x = float(v)
        except OverflowError:  # an integer beyond any float
            raise ValueError(f"{v} is implausibly large (limit {MAX_ABS_NUMBER:g}); a typo?") from None
    elif isinstance(v, str):
        try:
            x = float(v.strip())
        except ValueError:
            return v  # pydantic's own message
    if x is None:
        return v
    if not math.isfinite(x):
        raise ValueError(f"{v!r} is not a finite number")
    if abs(x) > MAX_ABS_NUMBER:
        raise ValueError(f"{v!r} is implausibly large (limit {MAX_ABS_NUMBER:g}); a typo?")
    for suffix, limit in SUFFIX_LIMITS.items():
        if name.endswith(suffix) and abs(x) > limit:
            raise ValueError(f"{v!r} is implausible for {name} (at most {limit:,g}); a typo?")
    return v


class FrozenPlain(BaseModel):
    """Immutable, unknown keys are errors, no inf/nan (the base of the distributions, whose ``dist`` field is a
    discriminator and so may carry no before-validator)."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, allow_inf_nan=False)


class Frozen(FrozenPlain):
    """Base of every input model: immutable, unknown keys are errors, numbers strict (no booleans, finite,
    within plausible bounds)."""

    @field_validator("*", mode="before")
    @classmethod
    def _strict_numbers(cls, v: Any, info: ValidationInfo) -> Any:
        name = info.field_name or ""
        f = cls.model_fields.get(name)
        if f is not None and _numeric(f.annotation):
            return check_number(v, name)
        return v


Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
