"""Single engagements from a small YAML file (``forceplan engage``), deterministic or Monte Carlo."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from forceplan.engagement.engine import LAWS, Outcome, per_step_schedule, run_engine
from forceplan.scenario.io import Positions, problems_from_validation, read_yaml
from forceplan.scenario.problems import Problem, ScenarioError


class Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Side(Spec):
    initial: float = Field(ge=0, description="Strength at t = 0, combat-power units")
    lethality_per_day: float = Field(ge=0, description="The other side's losses per day per unit of this side")
    reinforcements: tuple[tuple[float, float], ...] = Field(
        (), description="[day, amount]: the amount arrives spread evenly over that day"
    )
    breakpoint: float | None = Field(
        None, ge=0, lt=1, description="Stops (attacker) or breaks (defender) below this fraction of its peak"
    )


class Advance(Spec):
    distance_km: float = Field(gt=0, description="Distance from the start line to the objective, km")
    v_max_kmh: float = Field(gt=0, description="Advance rate against a broken or overwhelmed defence, km/h")
    r_min: float = Field(1.0, gt=0, description="Force ratio A/D below which the attacker does not advance")
    r_full: float = Field(3.0, gt=0, description="Force ratio at which the attacker advances at v_max")

    @model_validator(mode="after")
    def _ratios(self) -> Advance:
        if self.r_full <= self.r_min:
            raise ValueError("r_full must be greater than r_min")
        return self


class Uncertainty(Spec):
    lethality_rel: float = Field(0.0, ge=0, lt=1, description="Each lethality × triangular(1 − r, 1, 1 + r) per trial")
    reinforcement_rel: float = Field(
        0.0, ge=0, lt=1, description="Attacker reinforcements × triangular(1 − r, 1, 1 + r)"
    )


class EngageSpec(Spec):
    law: Literal["square", "linear", "logarithmic"] | None = None
    p: float | None = None
    q: float | None = None
    days: float = Field(gt=0, le=365)
    dt_hours: float = Field(1.0, gt=0, le=24)
    attacker: Side
    defender: Side
    advance: Advance | None = None
    uncertainty: Uncertainty = Field(default_factory=Uncertainty)

    @model_validator(mode="after")
    def _law(self) -> EngageSpec:
        if self.law is None and (self.p is None or self.q is None):
            raise ValueError("give a law (square, linear, logarithmic) or both exponents p and q")
        if self.law is not None and (self.p is not None or self.q is not None):
            raise ValueError("give either a law or the exponents p and q, not both")
        return self

    def exponents(self) -> tuple[float, float]:
        if self.law is not None:
            return LAWS[self.law]
        assert self.p is not None and self.q is not None
        return self.p, self.q


def load_engage(path: Path) -> EngageSpec:
    """Read and validate an engagement file; every problem reported with line and column (ScenarioError)."""
    if not path.exists():
        raise ScenarioError([Problem(f"file {path} not found", file=str(path))])
    pos: Positions = {}
    raw = read_yaml(path, pos)
    try:
        return EngageSpec.model_validate(raw)
    except Exception as exc:
        from pydantic import ValidationError

        if isinstance(exc, ValidationError):
            raise ScenarioError(problems_from_validation(exc, (), raw, pos, str(path), EngageSpec)) from None
        raise


def _tri(rng: np.random.Generator | None, rel: float, n: int) -> np.ndarray:
    if rng is None or rel == 0:
        return np.ones(n)
    return rng.triangular(1 - rel, 1.0, 1 + rel, size=n)


def run_spec(spec: EngageSpec, trials: int = 1, seed: int = 0, record_every_steps: int = 1) -> Outcome:
    """Run an engagement; trials > 1 draw the uncertainty with ``numpy.random.default_rng(seed)``."""
    rng = np.random.default_rng(seed) if trials > 1 else None
    n = trials if rng is not None else 1
    p, q = spec.exponents()
    a, d = spec.attacker, spec.defender
    adv = spec.advance
    return run_engine(
        a0=np.full(n, a.initial),
        d0=np.full(n, d.initial),
        k_att=a.lethality_per_day * _tri(rng, spec.uncertainty.lethality_rel, n),
        k_def=d.lethality_per_day * _tri(rng, spec.uncertainty.lethality_rel, n),
        p=p,
        q=q,
        days=spec.days,
        dt_h=spec.dt_hours,
        att_add=per_step_schedule(list(a.reinforcements), spec.days, spec.dt_hours),
        att_scale=_tri(rng, spec.uncertainty.reinforcement_rel, n),
        def_add=per_step_schedule(list(d.reinforcements), spec.days, spec.dt_hours),
        bp_att=np.full(n, a.breakpoint or 0.0),
        bp_def=np.full(n, d.breakpoint or 0.0),
        v_max_kmh=np.full(n, adv.v_max_kmh if adv else 0.0),
        r_min=adv.r_min if adv else 1.0,
        r_full=adv.r_full if adv else 3.0,
        distance_km=adv.distance_km if adv else 0.0,
        record_every_steps=record_every_steps,
    )
