"""The deterrence assessment's result models and JSON Schema, apart from the engine that fills them: the pipeline,
the report and the stage cache read and write them without loading numba (``engagement.assess`` re-exports them)."""

from __future__ import annotations

from pydantic import Field

from forceplan.results import Out, versioned_schema
from forceplan.timeline.result import Quantiles

SCHEMA_ID = "forceplan.assess/3"


class Probability(Out):
    p: float = Field(description="The attacker's probability of reaching its objective within 30 days")
    ci_low: float = Field(description="5th percentile over the uncertain inputs (never closer to p than the MC error)")
    ci_high: float = Field(description="95th percentile over the uncertain inputs")
    mc_error: float = Field(description="Monte Carlo standard error of p")


class Sensitivity(Out):
    case: str
    p_reached: float
    delta: float = Field(description="Change from the baseline, in probability (same draws: common random numbers)")
    delta_low: float = Field(0.0, description="5th percentile of the change over the uncertain inputs")
    delta_high: float = Field(0.0, description="95th percentile of the change over the uncertain inputs")
    lever: bool = Field(False, description="A coalition lever (more air, more force in theatre, longer warning)")
    why: str = Field("", description="Through which fitted factor or mechanism the case moves P, in words")


class Paths(Out):
    day: list[int]
    attacker_p10: list[float]
    attacker_p50: list[float]
    attacker_p90: list[float]
    defender_p10: list[float]
    defender_p50: list[float]
    defender_p90: list[float]


class ThreatAssessment(Out):
    threat: str
    name: str
    distance_km: float
    attacker_initial: float
    attacker_initial_range: tuple[float, float]
    attacker_follow_on: float
    defender_initial: float
    defender_initial_range: tuple[float, float]
    p_reached: Probability = Field(description="P(the attacker reaches its objective within 30 days)")
    time_to_objective_h: Quantiles = Field(description="Over all trials; None where not reached")
    attacker_losses: Quantiles = Field(
        description="Combat power lost (battalion-equivalents), to the objective or day 30"
    )
    defender_losses: Quantiles
    p_culminated: float = Field(description="P(the attack culminates before its objective)")
    battles_won: Quantiles = Field(description="Battles the attacker won (breakthroughs) in 30 days")
    verdict: str = Field(description="deterred, uncertain or not deterred: the interval against the threshold")
    factors: dict[str, float] = Field(
        default_factory=dict,
        description="Mean over the trials of the first battle's pre-battle factors (posture shares, air "
        "superiority, surprise) and P(air superiority)",
    )
    attack_sorties_per_day: float = Field(0.0, description="Mean attack sorties a day once all air elements fly")
    paths: Paths
    sensitivity: list[Sensitivity]
    received: list[str] = Field(default_factory=list, description="Movable elements the axis receives")
    withheld: list[str] = Field(
        default_factory=list, description="Movable elements that stay (guards) or go elsewhere, with why"
    )


class AxisResult(Out):
    threat: str
    p_reached: Probability
    verdict: str
    received: list[str]
    power_received: float = Field(description="Combat power of the movable elements it receives, battalion-equiv.")


class OffensiveAssessment(Out):
    offensive: str
    name: str
    axes: list[AxisResult]
    worst_force_ratio: float = Field(description="The allocation's worst axis: defender ÷ attacker (time-discounted)")
    guards: dict[str, list[str]] = Field(description="Protected site → elements kept there")
    solver: list[dict[str, object]]


class AssessResult(Out):
    schema_id: str = Field(SCHEMA_ID, alias="schema")
    scenario: str
    scenario_digest: str
    seed: int
    trials: int
    input_draws: int = Field(description="Draws of the uncertain model inputs (outer loop)")
    law: str
    outcome_model: str
    calibration: dict[str, float] = Field(
        description="The battle-outcome model's coefficients (logit scale), their 95 % bounds (name_low, "
        "name_high), the ln(force ratio) clip range and the number of battles fitted"
    )
    threshold: float = Field(description="The scenario's deterrence threshold the verdicts compare the interval with")
    verdicts: dict[str, str] = Field(description="Each verdict word and its definition")
    parameters: dict[str, str]
    threats: list[ThreatAssessment]
    offensives: list[OffensiveAssessment] = Field(default_factory=list)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)


def json_schema() -> dict[str, object]:
    return versioned_schema(AssessResult, SCHEMA_ID)
